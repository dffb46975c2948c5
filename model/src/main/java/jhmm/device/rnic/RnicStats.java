package jhmm.device.rnic;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * What the NIC and its driver did, counted: the model reports counts and leaves their cost to
 * a timing layer. A context keeps the running totals; each operation's {@link RnicOp} carries
 * the difference it made.
 */
public final class RnicStats {
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
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    private final long[] counts = new long[Counter.values().length];

    synchronized void add(Counter c, long n) {
        counts[c.ordinal()] += n;
    }

    void inc(Counter c) {
        add(c, 1);
    }

    public synchronized long get(Counter c) {
        return counts[c.ordinal()];
    }

    /** A copy, to subtract later. */
    public synchronized RnicStats snapshot() {
        RnicStats s = new RnicStats();
        System.arraycopy(counts, 0, s.counts, 0, counts.length);
        return s;
    }

    /** These counts less {@code before}'s. */
    public synchronized RnicStats since(RnicStats before) {
        RnicStats s = new RnicStats();
        for (int i = 0; i < counts.length; i++) {
            s.counts[i] = counts[i] - before.counts[i];
        }
        return s;
    }

    /** Every counter by its word. */
    public synchronized Map<String, Long> words() {
        Map<String, Long> out = new LinkedHashMap<>();
        for (Counter c : Counter.values()) {
            out.put(c.word(), counts[c.ordinal()]);
        }
        return out;
    }
}
