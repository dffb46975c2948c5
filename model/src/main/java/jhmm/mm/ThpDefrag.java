package jhmm.mm;

/**
 * /sys/kernel/mm/transparent_hugepage/defrag: how hard a THP fault's allocation tries (direct
 * reclaim and compaction, or waking kcompactd) when no free 2 MiB block is at hand. The model's
 * THP allocation neither reclaims nor compacts, so the value is recorded and changes nothing:
 * it only matters under memory pressure or fragmentation.
 */
public enum ThpDefrag {
    /** Every THP fault stalls for direct reclaim and compaction. */
    ALWAYS,
    /** Wake kswapd and kcompactd, fall back to small pages at once. */
    DEFER,
    /** Direct reclaim for MADV_HUGEPAGE ranges, as DEFER for the rest. */
    DEFER_MADVISE,
    /** Direct reclaim for MADV_HUGEPAGE ranges only. */
    MADVISE,
    /** No reclaim or compaction for THP faults. */
    NEVER
}
