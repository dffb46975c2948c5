package jhmm.mm;

/** /sys/kernel/mm/transparent_hugepage/enabled. */
public enum ThpMode {
    /** THP for every eligible anonymous mapping. */
    ALWAYS,
    /** THP only where madvise(MADV_HUGEPAGE) asked for it. */
    MADVISE,
    /** No THP from faults (MADV_COLLAPSE still works). */
    NEVER
}
