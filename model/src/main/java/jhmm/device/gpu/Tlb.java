package jhmm.device.gpu;

/**
 * A simple direct-mapped GPU TLB of 4 KiB translations. Any invalidation of the GPU page table
 * flushes it whole, as a driver's TLB invalidation of a range does on hardware without
 * ranged invalidation.
 */
final class Tlb {
    private static final int ENTRIES = 64;
    /** vpn + 1 of the cached translation, 0 when empty. */
    private final long[] tag = new long[ENTRIES];
    private final long[] entry = new long[ENTRIES];

    /** The cached entry word for {@code vpn}, or 0. */
    long lookup(long vpn) {
        int i = (int) (vpn & (ENTRIES - 1));
        return tag[i] == vpn + 1 ? entry[i] : 0;
    }

    void fill(long vpn, long e) {
        int i = (int) (vpn & (ENTRIES - 1));
        tag[i] = vpn + 1;
        entry[i] = e;
    }

    void flush() {
        java.util.Arrays.fill(tag, 0);
    }
}
