package jhmm.device.gpu;

import java.util.Arrays;

/**
 * A simple GPU TLB: for each entry size (4K, 64K, 2M), 64 direct-mapped translations of the
 * entry's first page. Any invalidation of the GPU page table flushes it whole, as a driver's
 * TLB invalidation does on hardware without ranged invalidation.
 */
final class Tlb {
    private static final int ENTRIES = 64;
    /** Per size class: first vpn + 1 of the cached entry, 0 when empty. */
    private final long[][] tag = new long[GpuPageTable.PAGES.length][ENTRIES];
    private final long[][] entry = new long[GpuPageTable.PAGES.length][ENTRIES];

    /** The cached entry word covering {@code vpn}, or 0. */
    long lookup(long vpn) {
        for (int cls = 0; cls < tag.length; cls++) {
            long base = vpn & -GpuPageTable.PAGES[cls];
            int i = slot(base, cls);
            if (tag[cls][i] == base + 1) {
                return entry[cls][i];
            }
        }
        return 0;
    }

    void fill(long vpn, long e) {
        int cls = GpuPageTable.sizeClass(e);
        long base = vpn & -GpuPageTable.PAGES[cls];
        int i = slot(base, cls);
        tag[cls][i] = base + 1;
        entry[cls][i] = e;
    }

    private static int slot(long base, int cls) {
        return (int) ((base / GpuPageTable.PAGES[cls]) & (ENTRIES - 1));
    }

    void flush() {
        for (long[] t : tag) {
            Arrays.fill(t, 0);
        }
    }
}
