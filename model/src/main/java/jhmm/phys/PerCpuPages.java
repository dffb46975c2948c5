package jhmm.phys;

/**
 * One CPU's list of free order-0 pages in front of the zone lock (struct per_cpu_pages):
 * allocations take the most recently freed page (the cache-hot end) and frees put pages there;
 * when the list is empty it is refilled with {@link #batch} pages under the zone lock
 * (rmqueue_bulk), and when it reaches {@link #high} pages the coldest {@code batch} go back
 * to the buddy lists (free_pcppages_bulk). Each list has its own lock, only ever tried: a busy
 * list sends the caller to the zone, as pcp_spin_trylock does.
 *
 * <p>The list is a ring of PFNs, no object per page.
 */
final class PerCpuPages {
    private static final int CAPACITY = 256; // a power of two above the largest high, 4 * 63
    private static final int MASK = CAPACITY - 1;

    final SpinLock lock = new SpinLock();
    /** pcp->batch: pages moved to or from the zone at a time. */
    final int batch;
    /** pcp->high: the count at which a batch goes back to the zone; the kernel's floor for it, four batches. */
    final int high;
    private final int[] ring = new int[CAPACITY];
    private int cold;
    private int count;

    /** The lists of a zone of {@code managedPages}. */
    PerCpuPages(long managedPages) {
        batch = batchSize(managedPages);
        high = 4 * batch;
    }

    /**
     * zone_batchsize: a quarter of the zone's pages over 1024, at most a quarter of 1 MiB of
     * pages, rounded to one less than a power of two (63 for any zone of 1 GiB or more), and at
     * least one page.
     */
    static int batchSize(long managedPages) {
        long b = Math.min(managedPages >> 10, (1 << 20) / 4096) / 4;
        b = Math.max(b, 1);
        return Math.max((int) Long.highestOneBit(b + b / 2) - 1, 1);
    }

    int count() {
        return count;
    }

    /** A page freed now: the hot end. */
    void pushHot(int pfn) {
        ring[(cold + count) & MASK] = pfn;
        count++;
    }

    /** A page of a refill: behind the ones already there, so the refill is handed out in the order it came. */
    void pushCold(int pfn) {
        cold = (cold - 1) & MASK;
        ring[cold] = pfn;
        count++;
    }

    int popHot() {
        count--;
        return ring[(cold + count) & MASK];
    }

    int popCold() {
        int pfn = ring[cold];
        cold = (cold + 1) & MASK;
        count--;
        return pfn;
    }
}
