package jhmm.phys;

import java.util.concurrent.locks.ReentrantLock;

/**
 * One CPU's list of free order-0 pages in front of the zone lock (struct per_cpu_pages):
 * allocations take the most recently freed page (the cache-hot end) and frees put pages there;
 * when the list is empty it is refilled with {@link #BATCH} pages under the zone lock
 * (rmqueue_bulk), and when it reaches {@link #HIGH} pages the coldest {@link #BATCH} go back
 * to the buddy lists (free_pcppages_bulk). Each list has its own lock, only ever tried: a busy
 * list sends the caller to the zone, as pcp_spin_trylock does.
 *
 * <p>The list is a ring of PFNs, no object per page.
 */
final class PerCpuPages {
    /** pcp->batch: zone_batchsize gives 63 for any zone of 256 MiB or more. */
    static final int BATCH = 63;
    /** pcp->high: the kernel's floor for it, four batches (it sizes it up from the zone's low watermark). */
    static final int HIGH = 4 * BATCH;
    private static final int CAPACITY = 256; // a power of two above HIGH
    private static final int MASK = CAPACITY - 1;

    final ReentrantLock lock = new ReentrantLock();
    private final int[] ring = new int[CAPACITY];
    private int cold;
    private int count;

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
