package jhmm.phys;

/**
 * Bits of a frame's flag word ({@link PageFrames#flags(int)}), named after the kernel's page
 * flags. The word's top {@value PageFrames#ORDER_BITS} bits keep the folio order, so flags
 * stay below them.
 */
public final class PageFlags {
    /** Part of a free buddy block. */
    public static final int FREE = 1;
    /** First frame of a free buddy block; its order is in {@link PageFrames#order(int)}. */
    public static final int BUDDY = 1 << 1;
    /** First frame of a large folio. */
    public static final int HEAD = 1 << 2;
    /** Any other frame of a large folio. */
    public static final int TAIL = 1 << 3;
    /** Anonymous memory: {@link PageFrames#mapping(int)} names an anon_vma. */
    public static final int ANON = 1 << 4;
    /** PageAnonExclusive: only one process maps this anonymous page; it may be written without COW. */
    public static final int ANON_EXCLUSIVE = 1 << 5;
    public static final int DIRTY = 1 << 6;
    public static final int LOCKED = 1 << 7;
    /** A hugetlb folio (from the hugetlb pool, never from the buddy allocator). */
    public static final int HUGETLB = 1 << 8;
    /** The shared zero page or a frame of the huge zero page. */
    public static final int ZERO = 1 << 9;
    /** Never allocated, never freed (zero pages, pool carve-outs). */
    public static final int RESERVED = 1 << 10;
    /** Anonymous page that goes to swap on reclaim; cleared by MADV_FREE (lazy free). */
    public static final int SWAPBACKED = 1 << 11;
    /** Referenced since reclaim last looked (second chance). */
    public static final int REFERENCED = 1 << 12;
    /** A free hugetlb folio waiting in the pool. */
    public static final int HUGETLB_FREE = 1 << 13;
    /** In the page cache of a file: {@link PageFrames#mapping(int)} names the file. */
    public static final int PAGECACHE = 1 << 14;
    /** Device memory (ZONE_DEVICE): belongs to a {@link DevPagemap}, freed to its driver. */
    public static final int ZONE_DEVICE = 1 << 15;
    /**
     * At a large anonymous folio's head: some of its pages lost their last mapping while others
     * are still mapped, and it waits on the {@link DeferredSplitQueue} (folio_test_partially_mapped).
     */
    public static final int PARTIALLY_MAPPED = 1 << 16;
    /**
     * PG_readahead, which is also PG_reclaim (one bit, two uses): on a page-cache folio that
     * readahead marked, where a fault that finds it reads further; or that MADV_PAGEOUT left
     * cached because it was dirty. Fault-around does not map a page with it.
     */
    public static final int READAHEAD = 1 << 17;

    private PageFlags() {}
}
