package jhmm.notifier;

import jhmm.mm.Mm;
import jhmm.mm.NotifierRange;

/**
 * A classic mmu notifier subscription (struct mmu_notifier with its ops): called for every
 * invalidation of the address space it is registered on, whatever the range.
 */
public interface MmuNotifier {
    /** The address space is going away (exit or unregister); tear down every secondary mapping. */
    default void release(Mm mm) {}

    /** Test and clear the secondary MMU's accessed bits over the range, flushing its TLB. */
    default boolean clearFlushYoung(Mm mm, long start, long end) {
        return false;
    }

    /** As {@link #clearFlushYoung}, without the flush. */
    default boolean clearYoung(Mm mm, long start, long end) {
        return false;
    }

    default boolean testYoung(Mm mm, long addr) {
        return false;
    }

    /**
     * Pages of the range are about to change. Returns 0, or -EAGAIN only when the range is not
     * blockable and the subscriber would have to sleep.
     */
    default int invalidateRangeStart(NotifierRange range) {
        return 0;
    }

    default void invalidateRangeEnd(NotifierRange range) {}
}
