package jhmm.device.rnic;

import jhmm.base.EnumCounts;

/**
 * What the NIC and its driver did, counted: the model reports counts and leaves their cost to
 * a timing layer. A context keeps the running totals; each operation's {@link RnicOp} carries
 * the difference it made.
 */
public final class RnicStats extends EnumCounts<RnicStats.Counter, RnicStats> {
    /** One counter; its word is the name a scenario result gives it. */
    public enum Counter {
        /** Pages an operation's data went through. */
        PAGES,
        /** NIC page faults: the NIC found no usable translation and the driver serviced the fault. */
        FAULTS,
        /** Times an operation stalled on a fault and was resumed (an RNR NAK and retry on the wire). */
        RETRIES,
        /** hmm_range_fault restarts: it returned -EBUSY, or an invalidation moved the notifier sequence. */
        RESTARTS,
        /** Translation entries that became valid (a fault, a prefetch, an ODP registration's snapshot). */
        MAPPED,
        /** Of {@link #MAPPED}, those a prefetch (ibv_advise_mr) made. */
        PREFETCHED,
        /** DMA mappings made: scatter-list segments of a pinned region, pages of an ODP one. */
        DMA_MAPS,
        DMA_UNMAPS,
        /** Translation-table updates posted to the NIC (mlx5 UMR work requests): writes and zaps. */
        UMRS,
        /** Pages pinned by a registration. */
        PINNED,
        UNPINNED,
        /** Translation entries an invalidation cleared. */
        ZAPPED,
        /** Invalidation callbacks that found something mapped in their region. */
        INVALIDATIONS,
        /** Implicit ODP child regions created (one per 1 GiB touched). */
        CHILDREN,
        /** Implicit ODP children destroyed after an invalidation left them empty. */
        COLLECTED,
        /** Pages a pinned region reached that the process no longer maps at that address (or maps another page at). */
        STALE;

        public String word() {
            return EnumCounts.word(this);
        }
    }

    public RnicStats() {
        super(Counter.class);
    }

    @Override
    protected RnicStats empty() {
        return new RnicStats();
    }

    void add(Counter c, long n) {
        count(c, n);
    }

    void inc(Counter c) {
        add(c, 1);
    }
}
