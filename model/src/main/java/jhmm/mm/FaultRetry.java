package jhmm.mm;

/**
 * How an access whose fault did not map the page tries again. The kernel never gives up on
 * such a fault: the CPU re-runs the instruction, GUP loops, for as long as another thread
 * holds what the fault needs (a device page locked by its migration, a THP being split). The
 * model does the same: a few quick tries, then tries that yield the CPU to the holder. Only a
 * fault that has made no progress for {@link #LIVELOCK_NANOS} is the model's own bug, and is
 * reported as one instead of hanging the caller.
 */
public final class FaultRetry {
    /** Tries taken back to back before the caller starts yielding. */
    public static final int QUICK_TRIES = 64;
    static final long LIVELOCK_NANOS = 30_000_000_000L;

    private FaultRetry() {}

    /**
     * Waits before try number {@code tries} (counted from 0) at {@code addr}. {@code since} is
     * what the previous call returned (0 at first); the result is passed to the next call.
     * @throws IllegalStateException when the fault has been retried for {@link #LIVELOCK_NANOS}
     */
    public static long pause(int tries, long since, long addr) {
        if (tries < QUICK_TRIES) {
            return since;
        }
        long now = System.nanoTime();
        if (since == 0) {
            return now;
        }
        if (now - since > LIVELOCK_NANOS) {
            throw new IllegalStateException("the fault at 0x" + Long.toHexString(addr) + " was retried for "
                    + LIVELOCK_NANOS / 1_000_000_000L + " s without the page getting mapped: a livelock in the model");
        }
        Thread.yield();
        return since;
    }
}
