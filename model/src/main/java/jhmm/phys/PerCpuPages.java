package jhmm.phys;

/**
 * One CPU's list of free order-0 pages in front of the zone lock (struct per_cpu_pages):
 * allocations take the most recently freed page (the cache-hot end) and frees put pages there;
 * an empty list is refilled from the buddy lists under the zone lock (rmqueue_bulk), and a list
 * that reaches its high mark sends its coldest pages back (free_pcppages_bulk). Each list has
 * its own lock, only ever tried: a busy list sends the caller to the zone, as
 * pcp_spin_trylock does.
 *
 * <p>The kernel tunes each list as it goes, so that a CPU faulting or unmapping a large range
 * takes the zone lock rarely: the high mark floats between {@link #highMin} and
 * {@link #highMax}, a run of allocations doubles the refill up to 32 batches, and a run of
 * frees sends back as many pages at a time as were freed in the run. Reclaim's
 * ZONE_RECLAIM_ACTIVE and the periodic decay of the high mark (decay_pcp_high) are left out.
 *
 * <p>The list is a ring of PFNs, no object per page; it grows when the high mark does.
 */
final class PerCpuPages extends CacheLinePadding {
    /** CONFIG_PCP_BATCH_SCALE_MAX: a refill or a drain is at most this power of two times the batch. */
    static final int BATCH_SCALE_MAX = 5;
    /** MIN_PERCPU_PAGELIST_HIGH_FRACTION: all the lists of a zone together hold at most this fraction of it. */
    static final int HIGH_FRACTION = 8;

    final SpinLock lock = new SpinLock();
    /** pcp->batch: the unit of a refill or a drain. */
    final int batch;
    /** pcp->high_min: the zone's low watermark split over the CPUs, at least four batches. */
    final int highMin;
    /** pcp->high_max: an eighth of the zone split over the CPUs, at least four batches. */
    final int highMax;
    /** pcp->high: the count at which pages go back to the zone, kept between highMin and highMax. */
    private int high;
    /** pcp->alloc_factor: refills since the last free, each doubling the next (log2). */
    private int allocFactor;
    /** pcp->free_count: pages freed since the last allocation, halved by each allocation. */
    private int freeCount;
    private int[] ring = new int[256];
    private int cold;
    private int count;

    /** The list of one of {@code nrCpus} CPUs of a zone of {@code managedPages} with watermarks {@code marks}. */
    PerCpuPages(long managedPages, Watermarks marks, int nrCpus) {
        batch = batchSize(managedPages);
        highMin = highSize(marks.low(), nrCpus, batch);
        highMax = highSize(managedPages / HIGH_FRACTION, nrCpus, batch);
        high = highMin;
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

    /** zone_highsize: a share of {@code pages} for each CPU, but never under four batches. */
    static int highSize(long pages, int nrCpus, int batch) {
        return (int) Math.max(pages / nrCpus, 4L * batch);
    }

    int count() {
        return count;
    }

    int high() {
        return high;
    }

    /** An allocation from this list (rmqueue_pcplist): the run of frees is broken. */
    void allocating() {
        freeCount >>= 1;
    }

    /**
     * nr_pcp_alloc for order 0: how many pages an empty list takes from the zone. Each refill
     * without a free in between doubles, up to {@value #BATCH_SCALE_MAX} doublings, and unless
     * the zone runs short the high mark rises by the refill so the pages fit.
     */
    int refillCount(boolean zoneBelowHigh) {
        int h = high;
        int n = batch << allocFactor;
        if (highMin != highMax && !zoneBelowHigh) {
            h = high = Math.min(h + n, highMax);
        }
        int room = Math.max(h - count - batch, batch);
        if (n <= room && allocFactor < BATCH_SCALE_MAX) {
            allocFactor++;
        }
        n = Math.min(n, room);
        return n > 1 ? Math.max(n, 2) : n;
    }

    /**
     * A page freed onto this list (free_frozen_page_commit): ends the run of refills, and
     * counts toward the run of frees.
     */
    void freeing() {
        allocFactor >>= 1;
        if (freeCount < batch << BATCH_SCALE_MAX) {
            freeCount++;
        }
    }

    /**
     * nr_pcp_high: the count at which this list now gives pages back. A zone running short
     * lowers the high mark by the run of frees and gives back all above highMin; otherwise a
     * full list raises it enough to hold the run of frees plus a batch.
     */
    int highForFree(boolean zoneBelowHigh) {
        int h = high;
        if (highMin == highMax) {
            return h;
        }
        if (zoneBelowHigh) {
            high = Math.max(h - Math.max(freeCount, batch), highMin);
            return Math.max(count, highMin);
        }
        if (count >= h && high < freeCount + batch) {
            high = Math.clamp(freeCount + batch, highMin, highMax);
        }
        return h;
    }

    /**
     * nr_pcp_free: as many pages as the run of frees, at least a batch, and leaving at least a
     * batch ({@code high} is never under four batches).
     */
    int drainCount(int high) {
        return Math.clamp(freeCount, batch, high - batch);
    }

    /** A page freed now: the hot end. */
    void pushHot(int pfn) {
        grow();
        ring[(cold + count) & (ring.length - 1)] = pfn;
        count++;
    }

    /** A page of a refill: behind the ones already there, so the refill is handed out in the order it came. */
    void pushCold(int pfn) {
        grow();
        cold = (cold - 1) & (ring.length - 1);
        ring[cold] = pfn;
        count++;
    }

    int popHot() {
        count--;
        return ring[(cold + count) & (ring.length - 1)];
    }

    int popCold() {
        int pfn = ring[cold];
        cold = (cold + 1) & (ring.length - 1);
        count--;
        return pfn;
    }

    /** Doubles a full ring, unrolled so the oldest page is first again. */
    private void grow() {
        if (count < ring.length) {
            return;
        }
        int[] bigger = new int[ring.length * 2];
        for (int i = 0; i < count; i++) {
            bigger[i] = ring[(cold + i) & (ring.length - 1)];
        }
        ring = bigger;
        cold = 0;
    }
}
