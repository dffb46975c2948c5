package jhmm.phys;

/**
 * The buddy allocator of one zone: free blocks of 2^order frames, orders 0..{@value #MAX_ORDER},
 * each naturally aligned; freeing merges a block with its free buddy.
 *
 * <p>Free lists are threaded through the frames themselves, as the kernel threads them through
 * struct page: a free block's first frame keeps its order in its flag word and its prev/next
 * links in the word a folio head keeps its mapping and index in ({@link PageFrames#mapIndex}).
 * One lock (the zone lock, a spinlock as zone->lock is: its holds are short, and a waiter put
 * to sleep would wait far longer to be woken than the hold lasts) serialises the buddy lists.
 * Order-0 pages go through per-CPU lists in front of it ({@link PerCpuPages}), refilled and
 * drained many pages at a time, so that threads faulting and unmapping 4 KiB pages rarely meet
 * there; a thread's "CPU" is the list it was given on its first allocation, in turn.
 */
public final class BuddyAllocator {
    public static final int MAX_ORDER = 10;
    private static final int NONE = -1;

    private final PageFrames frames;
    private final int[] freeHead = new int[MAX_ORDER + 1];
    private final SpinLock zoneLock = new SpinLock();
    private long freePages;
    /** Lists for this many CPUs: more threads share them, which costs only a failed trylock now and then. */
    static final int NR_CPUS = 8;
    private static final java.util.concurrent.atomic.AtomicInteger NEXT_CPU = new java.util.concurrent.atomic.AtomicInteger();
    /** The CPU a thread allocates and frees on (smp_processor_id), fixed at its first call. */
    private static final ThreadLocal<Integer> CPU = ThreadLocal.withInitial(() -> NEXT_CPU.getAndIncrement() % NR_CPUS);
    private final PerCpuPages[] pcp = new PerCpuPages[NR_CPUS];

    private final int ramFrames;
    private final Watermarks marks;
    /**
     * ZONE_BELOW_HIGH: an allocation left the zone's free pages under its high watermark, so the
     * per-CPU lists shrink; cleared when a list's pages coming back lift the zone over it again.
     */
    private volatile boolean belowHigh;

    BuddyAllocator(PageFrames frames) {
        this.frames = frames;
        this.ramFrames = frames.nrFrames();
        this.marks = Watermarks.forZone(ramFrames);
        java.util.Arrays.fill(freeHead, NONE);
        for (int i = 0; i < NR_CPUS; i++) {
            pcp[i] = new PerCpuPages(ramFrames, marks, NR_CPUS);
        }
    }

    /** Adds a range of frames that were never handed out (at boot). */
    void addFreeRange(int start, int end) {
        int pfn = start;
        while (pfn < end) {
            int o = MAX_ORDER;
            while (o > 0 && ((pfn & ((1 << o) - 1)) != 0 || pfn + (1 << o) > end)) {
                o--;
            }
            freeZone(pfn, o); // at boot, one thread: straight to the buddy lists
            pfn += 1 << o;
        }
    }

    /** Free pages: those on the buddy lists and those waiting on the per-CPU lists. */
    public long freePages() {
        long n = freePages;
        for (PerCpuPages p : pcp) {
            n += p.count();
        }
        return n;
    }

    /** /proc/buddyinfo: how many free blocks of each order the buddy lists hold (the per-CPU lists' pages aside). */
    public int[] freeBlocks() {
        int[] n = new int[MAX_ORDER + 1];
        zoneLock.lock();
        try {
            for (int o = 0; o <= MAX_ORDER; o++) {
                for (int pfn = freeHead[o]; pfn != NONE; pfn = nextOf(pfn)) {
                    n[o]++;
                }
            }
        } finally {
            zoneLock.unlock();
        }
        return n;
    }

    /** Allocates 2^order frames; returns the first PFN or -1 when no block is large enough. */
    int alloc(int order) {
        if (order == 0) {
            int pfn = allocPcp(thisCpu());
            if (pfn >= 0) {
                return pfn;
            }
        }
        zoneLock.lock();
        try {
            return allocZone(order);
        } finally {
            zoneLock.unlock();
        }
    }

    /** The list of the CPU the calling thread runs on (this_cpu_ptr(zone->per_cpu_pageset)). */
    PerCpuPages thisCpu() {
        return pcp[CPU.get()];
    }

    /** rmqueue_pcplist: a page from the CPU's list, refilled first when empty; -1 when busy or nothing is left. */
    private int allocPcp(PerCpuPages p) {
        if (!p.lock.tryLock()) {
            return -1;
        }
        try {
            p.allocating();
            if (p.count() == 0) {
                zoneLock.lock();
                try {
                    refill(p, p.refillCount(belowHigh));
                } finally {
                    zoneLock.unlock();
                }
            }
            if (p.count() == 0) {
                return -1;
            }
            int pfn = p.popHot();
            frames.setFlagWord(pfn, 0);
            return pfn;
        } finally {
            p.lock.unlock();
        }
    }

    /**
     * rmqueue_bulk: up to {@code n} order-0 pages onto {@code p}, the zone lock held. Each comes
     * from the smallest block there is, split so the lowest page goes first, as __rmqueue does
     * page by page; here a block gives all the pages it can at once and only what is left of it
     * goes back on the lists, which leaves the lists as page-by-page splitting would (the
     * smaller lists were empty, or the block would not have been split).
     */
    private void refill(PerCpuPages p, int n) {
        int got = 0;
        while (got < n) {
            int o = smallestFree(0);
            if (o < 0) {
                break;
            }
            int pfn = freeHead[o];
            unlink(pfn, o);
            int take = Math.min(1 << o, n - got);
            for (int i = 0; i < take; i++) {
                frames.setFlagWord(pfn + i, PageFlags.FREE); // free, off the buddy lists
                p.pushCold(pfn + i);
            }
            for (int rest = pfn + take, end = pfn + (1 << o); rest < end; ) {
                int k = alignedOrder(rest, end - rest);
                push(rest, k); // its buddy is below, handed out: nothing to merge with
                rest += 1 << k;
            }
            got += take;
        }
        if (got > 0) {
            taken(got);
        }
    }

    /** The order of the largest block that starts at {@code pfn} (aligned there) and fits in {@code len} frames. */
    private static int alignedOrder(int pfn, int len) {
        int k = Math.min(Integer.numberOfTrailingZeros(pfn), MAX_ORDER);
        while (1 << k > len) {
            k--;
        }
        return k;
    }

    /** __rmqueue: 2^order frames off the buddy lists, splitting a larger block; the zone lock is held. */
    private int allocZone(int order) {
        int o = smallestFree(order);
        if (o < 0) {
            return -1;
        }
        int pfn = freeHead[o];
        unlink(pfn, o);
        while (o > order) {
            o--;
            push(pfn + (1 << o), o);
        }
        int n = 1 << order;
        for (int i = 0; i < n; i++) {
            frames.setFlagWord(pfn + i, 0);
        }
        taken(n);
        return pfn;
    }

    /** The smallest order from {@code order} up with a free block on its list; -1 when there is none. The zone lock is held. */
    private int smallestFree(int order) {
        for (int o = order; o <= MAX_ORDER; o++) {
            if (freeHead[o] != NONE) {
                return o;
            }
        }
        return -1;
    }

    /** {@code n} pages off the buddy lists, the zone lock held: the zone may now be short. */
    private void taken(int n) {
        freePages -= n;
        if (freePages < marks.high() && !belowHigh) {
            belowHigh = true;
        }
    }

    /**
     * Allocates the free 2^order block starting at {@code pfn} (compaction's free scanner
     * takes specific frames); -1 when that block is not entirely free.
     */
    int allocAt(int pfn, int order) {
        zoneLock.lock();
        try {
            for (int o = order; o <= MAX_ORDER; o++) {
                int h = pfn & ~((1 << o) - 1);
                if (h + (1 << o) <= ramFrames && isFreeBlock(frames.flagWord(h), o)) {
                    unlink(h, o);
                    while (o > order) {
                        o--;
                        int upper = h + (1 << o);
                        if (pfn >= upper) {
                            push(h, o);
                            h = upper;
                        } else {
                            push(upper, o);
                        }
                    }
                    int n = 1 << order;
                    for (int i = 0; i < n; i++) {
                        frames.setFlagWord(h + i, 0);
                    }
                    taken(n);
                    return h;
                }
            }
            return -1;
        } finally {
            zoneLock.unlock();
        }
    }

    /** Returns 2^order frames starting at {@code pfn}: an order-0 page to the CPU's list, else to the buddy lists. */
    void free(int pfn, int order) {
        if (order == 0 && freePcp(thisCpu(), pfn)) {
            return;
        }
        zoneLock.lock();
        try {
            freeZone(pfn, order);
        } finally {
            zoneLock.unlock();
        }
    }

    /**
     * free_unref_folios: the order-0 pages {@code pfns[0, n)}, under one hold of the CPU's list
     * lock, or of the zone lock when the list is busy.
     */
    void freeBatch(int[] pfns, int n) {
        if (n == 0) {
            return;
        }
        PerCpuPages p = thisCpu();
        if (p.lock.tryLock()) {
            try {
                for (int i = 0; i < n; i++) {
                    commit(p, pfns[i]);
                }
            } finally {
                p.lock.unlock();
            }
            return;
        }
        zoneLock.lock();
        try {
            for (int i = 0; i < n; i++) {
                freeZone(pfns[i], 0);
            }
        } finally {
            zoneLock.unlock();
        }
    }

    /** {@link #commit} of one page under the list's lock; false when the list is busy. */
    private boolean freePcp(PerCpuPages p, int pfn) {
        if (!p.lock.tryLock()) {
            return false;
        }
        try {
            commit(p, pfn);
            return true;
        } finally {
            p.lock.unlock();
        }
    }

    /** free_frozen_page_commit: onto the list, whose coldest pages go back to the buddy lists at its high mark. */
    private void commit(PerCpuPages p, int pfn) {
        frames.setFlagWord(pfn, PageFlags.FREE);
        p.freeing();
        p.pushHot(pfn);
        int high = p.highForFree(belowHigh);
        if (p.count() >= high) {
            drain(p, p.drainCount(high));
        }
    }

    /**
     * free_pcppages_bulk: the coldest {@code n} pages of {@code p} (its lock held) back to the
     * buddy lists. A run of consecutive frames goes back as the aligned blocks it covers: the
     * blocks the lists end up with depend only on which frames are free, so this leaves the
     * same blocks as freeing the run page by page, with fewer merges.
     */
    private void drain(PerCpuPages p, int n) {
        zoneLock.lock();
        try {
            int run = NONE;
            int len = 0;
            for (int i = 0; i < n && p.count() > 0; i++) {
                int pfn = p.popCold();
                if (pfn != run + len) { // the first page too: no frame is numbered NONE
                    freeRun(run, len);
                    run = pfn;
                    len = 0;
                }
                len++;
            }
            freeRun(run, len);
            if (belowHigh && freePages >= marks.high()) {
                belowHigh = false;
            }
        } finally {
            zoneLock.unlock();
        }
    }

    /**
     * drain_all_pages: every CPU's list back to the buddy lists, so that its pages can merge
     * into larger blocks (the allocator's slow path does this before it gives up). Returns the
     * pages drained.
     */
    int drainAll() {
        int drained = 0;
        for (PerCpuPages p : pcp) {
            p.lock.lock();
            try {
                drained += p.count();
                drain(p, p.count());
            } finally {
                p.lock.unlock();
            }
        }
        return drained;
    }

    /** Frames {@code [pfn, pfn + len)} back to the buddy lists as the aligned blocks they cover; the zone lock is held. */
    private void freeRun(int pfn, int len) {
        while (len > 0) {
            int k = alignedOrder(pfn, len);
            freeZone(pfn, k);
            pfn += 1 << k;
            len -= 1 << k;
        }
    }

    /** __free_one_page: 2^order frames back to the buddy lists, merging with free buddies; the zone lock is held. */
    private void freeZone(int pfn, int order) {
        int n = 1 << order;
        for (int i = 0; i < n; i++) {
            frames.setFlagWord(pfn + i, PageFlags.FREE); // order 0 until push marks the block's first frame
        }
        freePages += n;
        while (order < MAX_ORDER) {
            int buddy = pfn ^ (1 << order);
            if (buddy + (1 << order) > ramFrames || !isFreeBlock(frames.flagWord(buddy), order)) {
                break;
            }
            unlink(buddy, order);
            frames.setFlagWord(buddy, PageFlags.FREE);
            pfn = Math.min(pfn, buddy);
            order++;
        }
        push(pfn, order);
    }

    private void push(int pfn, int order) {
        frames.setFlagWord(pfn, PageFrames.withOrder(PageFlags.FREE | PageFlags.BUDDY, order));
        int next = freeHead[order];
        frames.setMapIndex(pfn, link(NONE, next));
        if (next != NONE) {
            frames.setMapIndex(next, link(pfn, nextOf(next)));
        }
        freeHead[order] = pfn;
    }

    /** Whether a frame's flag word marks the first frame of a free block of {@code order} on the lists. */
    private static boolean isFreeBlock(int flagWord, int order) {
        return (flagWord & PageFlags.BUDDY) != 0 && PageFrames.orderOf(flagWord) == order;
    }

    private void unlink(int pfn, int order) {
        long links = frames.mapIndex(pfn);
        int prev = (int) (links >> 32);
        int next = (int) links;
        if (prev == NONE) {
            freeHead[order] = next;
        } else {
            frames.setMapIndex(prev, link(prevOf(prev), next));
        }
        if (next != NONE) {
            frames.setMapIndex(next, link(prev, nextOf(next)));
        }
        frames.setFlagWord(pfn, frames.flags(pfn) & ~PageFlags.BUDDY); // and order 0
        frames.setMapIndex(pfn, 0);
    }

    private static long link(int prev, int next) {
        return ((long) prev << 32) | (next & 0xFFFFFFFFL);
    }

    private int prevOf(int pfn) {
        return (int) (frames.mapIndex(pfn) >> 32);
    }

    private int nextOf(int pfn) {
        return (int) frames.mapIndex(pfn);
    }
}
