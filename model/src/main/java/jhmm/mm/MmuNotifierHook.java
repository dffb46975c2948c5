package jhmm.mm;

/**
 * The single point through which the address space reports page-table changes; the mmu
 * notifier layer attaches here. Called with the mmap lock held in the mode the operation took
 * it, never with the page-table lock held.
 */
public interface MmuNotifierHook {
    /**
     * Before entries in the range change. Returns 0, or -EAGAIN from a listener that could not
     * proceed in a non-blockable invalidation.
     */
    int invalidateRangeStart(NotifierRange range);

    /** After the entries changed. */
    void invalidateRangeEnd(NotifierRange range);

    /** The address space is being torn down (exit_mmap); no page of it may be used after this. */
    void release(Mm mm);

    /** Whether a secondary MMU accessed the range since last asked (clearing its accessed bits). */
    default boolean clearFlushYoung(Mm mm, long start, long end) {
        return false;
    }

    MmuNotifierHook NONE = new MmuNotifierHook() {
        @Override
        public int invalidateRangeStart(NotifierRange range) {
            return 0;
        }

        @Override
        public void invalidateRangeEnd(NotifierRange range) {}

        @Override
        public void release(Mm mm) {}
    };
}
