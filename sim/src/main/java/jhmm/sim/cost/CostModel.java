package jhmm.sim.cost;

import com.typesafe.config.Config;

/**
 * What each operation costs in simulated time, in picoseconds; built from the {@code
 * jhmm.sim.cost} section of the configuration, where every default is commented with its source.
 */
public record CostModel(
        long accessVram, long accessSystem, long faultDelivery, long replay, long kernelLaunch, long pteWrite,
        long batch, long fault, long block, long evictChunk,
        long cpuFault, long hmmRangeFaultPage, long pinPage, long migratePage, long dmaMap, long dmaUnmap, long invalidate, long cpuTouchPage,
        int linkGeneration, double linkBytesPerSecond, long setupBytes) {

    public static CostModel from(Config root) {
        Config c = root.getConfig("jhmm.sim.cost");
        int gen = c.getInt("link.generation");
        if (gen < 3 || gen > 5) {
            throw new IllegalArgumentException("jhmm.sim.cost.link.generation: " + gen + " is not 3, 4 or 5");
        }
        double gen3 = c.getDouble("link.gen3-bandwidth");
        if (!(gen3 > 0)) {
            throw new IllegalArgumentException("jhmm.sim.cost.link.gen3-bandwidth must be above 0 bytes/s");
        }
        return new CostModel(ps(c, "gpu.access-vram"), ps(c, "gpu.access-system"), ps(c, "gpu.fault-delivery"),
                ps(c, "gpu.replay"), ps(c, "gpu.kernel-launch"), ps(c, "gpu.pte-write"),
                ps(c, "driver.batch"), ps(c, "driver.fault"), ps(c, "driver.block"), ps(c, "driver.evict-chunk"),
                ps(c, "linux.cpu-fault"), ps(c, "linux.hmm-range-fault-page"), ps(c, "linux.pin-page"),
                ps(c, "linux.migrate-page"),
                ps(c, "linux.dma-map"), ps(c, "linux.dma-unmap"), ps(c, "linux.invalidate"), ps(c, "linux.cpu-touch-page"),
                gen, gen3 * (1L << (gen - 3)), c.getBytes("link.setup-bytes"));
    }

    static long ps(Config c, String key) {
        long ns = c.getDuration(key).toNanos();
        if (ns < 0) {
            throw new IllegalArgumentException("jhmm.sim.cost." + key + " is negative");
        }
        return ns * 1000;
    }

    /** One transfer of {@code bytes} over the link: its setup, then the bytes at the link's bandwidth. */
    public long transfer(long bytes) {
        return bytes == 0 ? 0 : Math.round((setupBytes + bytes) * 1e12 / linkBytesPerSecond);
    }
}
