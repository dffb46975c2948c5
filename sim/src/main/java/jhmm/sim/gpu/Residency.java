package jhmm.sim.gpu;

import jhmm.device.gpu.GpuVm;

/**
 * The timing layer's view of what the GPU maps in the buffer, one bit per page: mapped, in
 * VRAM, writable; and every page that was ever in VRAM (a fault on one of those is a re-fault).
 * Warps test it in their tight loop; it is refreshed from the model's changed-block feed after
 * each event that called the model, and never between, so that warps may run ahead exactly.
 */
final class Residency {
    static final int MISS = 0;
    static final int VRAM = 1;
    static final int SYSTEM = 2;

    private final long baseVpn;
    private final long pages;
    private final long[] mapped;
    private final long[] vram;
    private final long[] writable;
    private final long[] wasVram;

    Residency(long baseVpn, long pages) {
        this.baseVpn = baseVpn;
        this.pages = pages;
        int words = (int) ((pages + 63) >>> 6);
        this.mapped = new long[words];
        this.vram = new long[words];
        this.writable = new long[words];
        this.wasVram = new long[words];
    }

    /** Where the access to buffer page {@code page} goes: {@link #MISS}, {@link #VRAM} or {@link #SYSTEM}. */
    int lookup(long page, boolean write) {
        int w = (int) (page >>> 6);
        long bit = 1L << page;
        if ((mapped[w] & bit) == 0 || (write && (writable[w] & bit) == 0)) {
            return MISS;
        }
        return (vram[w] & bit) != 0 ? VRAM : SYSTEM;
    }

    boolean wasInVram(long page) {
        return (wasVram[(int) (page >>> 6)] & (1L << page)) != 0;
    }

    void sync(GpuVm vm) {
        vm.drainChangedBlocks((firstVpn, m, v, wr) -> {
            long first = firstVpn - baseVpn;
            if (first < 0 || first >= pages) {
                return;
            }
            int w0 = (int) (first >>> 6);
            for (int k = 0; k < m.length && w0 + k < mapped.length; k++) {
                mapped[w0 + k] = m[k];
                vram[w0 + k] = v[k];
                writable[w0 + k] = wr[k];
                wasVram[w0 + k] |= v[k];
            }
        });
    }

    long pages() {
        return pages;
    }

    /** Every page mapped, writable, in system memory: a buffer pinned and DMA-mapped whole. */
    void mapAllInSystemMemory() {
        for (long p = 0; p < pages; p++) {
            mapped[(int) (p >>> 6)] |= 1L << p;
            writable[(int) (p >>> 6)] |= 1L << p;
        }
    }

    /** Buffer pages in VRAM now. */
    long inVram() {
        long n = 0;
        for (long w : vram) {
            n += Long.bitCount(w);
        }
        return n;
    }

    long vpn(long page) {
        return baseVpn + page;
    }
}
