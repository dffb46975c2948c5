package jhmm.sim.gpu;

import java.util.Map;

/**
 * What one simulation measured. Times are picoseconds of simulated time.
 *
 * @param settings what it ran with
 * @param totalPs from the first kernel's launch until the last kernel ended
 * @param kernelPs each kernel's duration, launch to its last warp
 * @param charges time per {@link Charge}, by ordinal
 * @param counts what was counted, by name, in a fixed order: the model's GPU counters and the timing layer's own
 * @param batchSizes how many batches fetched each number of entries (index: entries)
 * @param timeline samples at each batch's and kernel's end, one array a column: simulated time, buffer pages in
 *     VRAM, faults so far, bytes sent to the GPU so far, bytes sent to the host so far
 * @param bytesToGpu bytes copied to VRAM
 * @param bytesToHost bytes copied back to system memory
 * @param accesses warp accesses simulated
 * @param events engine wakeups
 * @param error null, or why the run stopped early (a fault that could not be serviced)
 */
public record GpuSimResult(GpuSimSettings settings, long totalPs, long[] kernelPs, long[] charges, Map<String, Long> counts,
        long[] batchSizes, long[][] timeline, long bytesToGpu, long bytesToHost, long accesses, long events, String error) {

    public long charge(Charge c) {
        return charges[c.ordinal()];
    }
}
