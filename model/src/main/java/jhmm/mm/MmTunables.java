package jhmm.mm;

import jhmm.base.PageSize;

/**
 * The host kernel's mm knobs the model follows (sysfs under /sys/kernel/mm/transparent_hugepage,
 * debugfs' fault_around_bytes) and one behaviour that depends on the kernel version.
 *
 * @param thp              transparent_hugepage/enabled
 * @param thpDefrag        transparent_hugepage/defrag (recorded; see {@link ThpDefrag})
 * @param thpZeroPage      transparent_hugepage/use_zero_page: a read fault in a THP-eligible
 *                         anonymous range maps the huge zero page; off, it allocates a THP
 * @param maxPtesNone      khugepaged/max_ptes_none (recorded: only khugepaged honours it, and
 *                         the model has no khugepaged; MADV_COLLAPSE ignores it)
 * @param shmemThp         transparent_hugepage/shmem_enabled (recorded; see {@link ShmemThpMode})
 * @param faultAroundBytes debugfs fault_around_bytes: the window of cached pages a read fault in
 *                         a file mapping maps around the faulting page
 * @param thpSplitZero     Linux 6.12+: splitting an anonymous large folio maps its zero-filled
 *                         subpages to the shared zero page and frees them
 */
public record MmTunables(ThpMode thp, ThpDefrag thpDefrag, boolean thpZeroPage, int maxPtesNone,
        ShmemThpMode shmemThp, int faultAroundBytes, boolean thpSplitZero) {
    /** The default of max_ptes_none: HPAGE_PMD_NR - 1. */
    public static final int DEFAULT_MAX_PTES_NONE = PageSize.HPAGE_PMD_NR - 1;
    public static final int DEFAULT_FAULT_AROUND_BYTES = 64 << 10;

    public MmTunables {
        if (maxPtesNone < 0 || maxPtesNone > DEFAULT_MAX_PTES_NONE) {
            throw new IllegalArgumentException("max_ptes_none must be 0.." + DEFAULT_MAX_PTES_NONE + ": " + maxPtesNone);
        }
        if (faultAroundBytes < 0 || faultAroundBytes > PageSize.PMD_SIZE) {
            throw new IllegalArgumentException("fault_around_bytes must be 0.." + PageSize.PMD_SIZE + ": " + faultAroundBytes);
        }
    }

    /** The latest kernel's defaults. */
    public static MmTunables defaults() {
        return new MmTunables(ThpMode.MADVISE, ThpDefrag.MADVISE, true, DEFAULT_MAX_PTES_NONE, ShmemThpMode.NEVER,
                DEFAULT_FAULT_AROUND_BYTES, true);
    }

    public MmTunables withThp(ThpMode mode) {
        return new MmTunables(mode, thpDefrag, thpZeroPage, maxPtesNone, shmemThp, faultAroundBytes, thpSplitZero);
    }

    /**
     * The pages fault-around maps, as the kernel derives them from fault_around_bytes: rounded
     * down to a power of two; 1 (no fault-around) at or below one page.
     */
    public int faultAroundPages() {
        return faultAroundBytes <= PageSize.PAGE_SIZE ? 1 : Integer.highestOneBit(faultAroundBytes) >>> PageSize.PAGE_SHIFT;
    }
}
