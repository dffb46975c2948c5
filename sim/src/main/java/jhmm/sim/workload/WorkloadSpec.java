package jhmm.sim.workload;

/**
 * A workload's settings (the {@code jhmm.sim.workload} section of the configuration).
 *
 * @param footprint bytes of the buffer, a multiple of 2 MiB
 * @param iterations kernels run one after the other
 * @param warps warps per kernel
 * @param seed seeds the random workloads
 * @param stride the strided workload's bytes between a warp's elements
 * @param zipfExponent hot-cold's Zipf exponent
 * @param accessFraction random and hot-cold's accesses per kernel, as a fraction of the buffer's lines
 * @param cpuTouch ping-pong's fraction of the buffer the CPU writes between kernels
 */
public record WorkloadSpec(long footprint, int iterations, int warps, long seed, long stride, double zipfExponent,
        double accessFraction, double cpuTouch) {

    /** Why these settings cannot run, or null. */
    public String problem() {
        if (footprint < (2L << 20) || footprint % (2L << 20) != 0) {
            return "footprint must be a positive multiple of 2MiB";
        }
        if (iterations < 1 || warps < 1 || warps > 1 << 20) {
            return "iterations must be at least 1 and warps 1 to 1048576";
        }
        if (stride < Run.LINE || stride % Run.LINE != 0 || stride > footprint) {
            return "stride must be a multiple of 128 bytes inside the footprint";
        }
        if (!(zipfExponent > 0) || !(accessFraction > 0) || !(cpuTouch >= 0 && cpuTouch <= 1)) {
            return "zipf-exponent and access-fraction must be above 0, cpu-touch 0 to 1";
        }
        return null;
    }

    long lines() {
        return footprint / Run.LINE;
    }
}
