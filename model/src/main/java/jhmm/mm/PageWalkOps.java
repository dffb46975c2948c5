package jhmm.mm;

/**
 * Callbacks of the generic page-table walker (struct mm_walk_ops). Each returns 0 to go on,
 * a negative errno to stop the walk with that value; {@link #testWalk} may also return 1 to
 * skip the VMA. No callback is called with the page-table lock held. A PTE table is handed
 * over as the array the PMD entry pointed to when it was read under the lock; its entries are
 * read without the lock, as pte_offset_map readers do (read them with {@link PageTable#entry}),
 * so a walker that must not act on stale entries checks its notifier sequence afterwards.
 */
public interface PageWalkOps {
    /** Once per VMA before walking it. */
    default int testWalk(long start, long end, Vma vma) {
        return 0;
    }

    /** [start, end) has no page table at some level, or no VMA at all ({@code vma} null). */
    int pteHole(long start, long end, Vma vma);

    /**
     * One PMD window [start, end) whose PMD entry is {@code pmd}: a leaf ({@code ptes} null) or
     * a PTE table, whose 512 entries {@code ptes} is.
     */
    int pmdEntry(long pmd, long[] ptes, long start, long end, Vma vma);

    /** One huge page [start, end) of a hugetlb VMA: {@code entry} is its PMD or PUD leaf (maybe 0). */
    int hugetlbEntry(long entry, int order, long start, long end, Vma vma);
}
