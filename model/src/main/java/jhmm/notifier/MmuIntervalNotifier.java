package jhmm.notifier;

import jhmm.mm.Mm;

/**
 * An interval notifier (struct mmu_interval_notifier): a subscription for the inclusive
 * interval [start, last] of one address space, with its own sequence number.
 */
public final class MmuIntervalNotifier {
    final long start;
    final long last;
    final MmuIntervalNotifierOps ops;
    final Mm mm;
    /** Always odd once inserted; equals the global sequence while this callback's period lasts. */
    volatile long invalidateSeq;
    boolean inTree;

    MmuIntervalNotifier(Mm mm, long start, long last, MmuIntervalNotifierOps ops) {
        this.mm = mm;
        this.start = start;
        this.last = last;
        this.ops = ops;
    }

    public Mm mm() {
        return mm;
    }

    public long start() {
        return start;
    }

    /** The interval's last byte (inclusive). */
    public long last() {
        return last;
    }

    /** The sequence number this subscription holds now (for tests and reports). */
    public long seq() {
        return invalidateSeq;
    }

    /**
     * mmu_interval_set_seq: called by the driver from its invalidate callback, under the lock
     * it will hold when calling {@link MmuNotifiers#readRetry}.
     */
    public void setSeq(long curSeq) {
        invalidateSeq = curSeq;
    }

    boolean intersects(long s, long endExclusive) {
        // unsigned comparisons: the RELEASE range ends at ULONG_MAX (-1)
        return Long.compareUnsigned(start, endExclusive - 1) <= 0 && Long.compareUnsigned(s, last) <= 0;
    }
}
