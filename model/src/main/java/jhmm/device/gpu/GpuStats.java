package jhmm.device.gpu;

import java.util.Map;
import jhmm.base.EnumCounts;

/** What the GPU did, counted: the model reports counts and leaves their cost to a timing layer. */
public final class GpuStats extends EnumCounts<GpuStats.Counter, GpuStats> {
    /** One counter; its word is the name a scenario result gives it. */
    public enum Counter {
        /** Fault-buffer entries the GPU wrote. */
        FAULTS,
        /** Faults the GPU could not write because the buffer was full (raised again after a replay). */
        DROPPED,
        BATCHES,
        /** Entries merged into another of the same page in a batch. */
        DUPLICATES,
        /** Entries discarded by a BATCH_FLUSH flush (their warps fault again after the replay if still unmapped). */
        FLUSHED,
        REPLAYS,
        /** Service units: 2 MiB blocks serviced in a batch. */
        UNITS,
        /** Pages serviced because the prefetcher added them, not because they faulted. */
        PREFETCHED,
        RANGES,
        /** get_pages restarts: hmm_range_fault -EBUSY or a notifier sequence that moved. */
        RETRIES,
        /** Binds refused because an invalidation ran after get_pages (-EAGAIN). */
        EAGAIN,
        DMA_MAPS,
        DMA_UNMAPS,
        PTES_4K,
        PTES_64K,
        PTES_2M,
        TO_VRAM,
        TO_RAM,
        EVICTIONS,
        INVALIDATIONS,
        /** Ranges the garbage collector destroyed after an unmap. */
        COLLECTED,
        TLB_MISSES,
        THROTTLED,
        PINNED;

        public String word() {
            return EnumCounts.word(this);
        }
    }

    public GpuStats() {
        super(Counter.class);
    }

    @Override
    protected GpuStats empty() {
        return new GpuStats();
    }

    void add(Counter c, long n) {
        count(c, n);
    }

    void inc(Counter c) {
        add(c, 1);
    }

    /** Every counter by its word: these counts less {@code before}'s. */
    public Map<String, Long> since(GpuStats before) {
        return minus(before).words();
    }
}
