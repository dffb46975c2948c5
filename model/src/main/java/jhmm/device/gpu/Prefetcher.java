package jhmm.device.gpu;

import jhmm.base.PageSize;

/**
 * nvidia-uvm's tree prefetcher over one 2 MiB block (uvm_perf_prefetch.c): a fault fills its
 * 64 KiB big page, then each faulted page climbs the tree of aligned subtrees and the largest
 * one more than {@code threshold} % resident-or-faulted is prefetched whole.
 */
final class Prefetcher {
    static final int NR = PageSize.HPAGE_PMD_NR;
    private static final int BIG = 16;

    private Prefetcher() {}

    /**
     * The pages of the block to service beyond the faulted ones, restricted to [lo, hi) (the
     * part of the block inside the faulting VMA).
     */
    static boolean[] mask(boolean[] faulted, boolean[] resident, int lo, int hi, int threshold) {
        boolean[] add = new boolean[NR];
        for (int g = 0; g < NR; g += BIG) {
            boolean any = false;
            for (int k = g; k < g + BIG; k++) {
                any |= faulted[k];
            }
            for (int k = g; k < g + BIG && any; k++) {
                add[k] = k >= lo && k < hi;
            }
        }
        int[] prefix = new int[NR + 1];
        for (int k = 0; k < NR; k++) {
            prefix[k + 1] = prefix[k] + (faulted[k] || resident[k] || add[k] ? 1 : 0);
        }
        boolean[] region = new boolean[NR];
        for (int k = 0; k < NR; k++) {
            if (!faulted[k]) {
                continue;
            }
            int best = 0;
            for (int size = 2 * BIG; size <= NR; size *= 2) {
                int base = k & -size;
                if ((prefix[base + size] - prefix[base]) * 100 > size * threshold) {
                    best = size;
                }
            }
            int from = best == 0 ? k : k & -best;
            for (int j = from; j < from + best; j++) {
                region[j] = j >= lo && j < hi;
            }
        }
        for (int k = 0; k < NR; k++) {
            add[k] = (add[k] || region[k]) && !faulted[k] && !resident[k];
        }
        return add;
    }
}
