package jhmm.hmm;

import java.util.concurrent.locks.Lock;
import java.util.function.IntSupplier;
import jhmm.base.Errno;
import jhmm.mm.Mm;
import jhmm.notifier.MmuNotifiers;

/**
 * The driver side of HMM as Documentation/mm/hmm.rst prescribes it: read the notifier
 * sequence, run hmm_range_fault under the mmap read lock, take the driver's update lock (the
 * one its invalidate callback takes) and only if read_retry says nothing collided, update the
 * device from the results, still under that lock. Restarts on -EBUSY and on a collision.
 */
public final class HmmDriverProtocol {
    /** HMM_RANGE_DEFAULT_TIMEOUT. */
    public static final long DEFAULT_TIMEOUT_NANOS = 1_000_000_000L;

    private HmmDriverProtocol() {}

    /**
     * How long a driver keeps restarting: asked before every restart (hmm_range_fault gave
     * -EBUSY, or read_retry saw an invalidation collide), false to give up with -EBUSY. Drivers
     * bound it by time (HMM_RANGE_DEFAULT_TIMEOUT); a model without a clock can bound it by a
     * count, and count the restarts while it is at it.
     */
    @FunctionalInterface
    public interface RetryBudget {
        boolean restart();

        /** A budget of {@code nanos} of wall-clock time from now (0: no limit). */
        static RetryBudget ofNanos(long nanos) {
            long deadline = System.nanoTime() + nanos;
            return () -> nanos <= 0 || System.nanoTime() - deadline <= 0;
        }
    }

    /**
     * Faults {@code range} and calls {@code update} under {@code driverLock} with results no
     * invalidation has touched. Returns {@code update}'s result, hmm_range_fault's error, or
     * -EBUSY once {@code timeoutNanos} (0: none) have passed.
     */
    public static int faultAndUpdate(HmmRange range, Lock driverLock, long timeoutNanos, IntSupplier update) {
        return faultAndUpdate(range, driverLock, RetryBudget.ofNanos(timeoutNanos), update);
    }

    /**
     * The protocol's first half: mmu_interval_read_begin into {@code range.notifierSeq}, then
     * hmm_range_fault under the mmap read lock. Returns hmm_range_fault's result.
     */
    public static int readBeginAndFault(HmmRange range) {
        Mm mm = range.notifier.mm();
        range.notifierSeq = MmuNotifiers.readBegin(range.notifier);
        mm.mmapLock().readLock().lock();
        try {
            return HmmRangeFault.fault(range);
        } finally {
            mm.mmapLock().readLock().unlock();
        }
    }

    /**
     * As {@link #faultAndUpdate(HmmRange, Lock, long, IntSupplier)}, restarting while
     * {@code budget} allows: -EBUSY once it refuses a restart.
     */
    public static int faultAndUpdate(HmmRange range, Lock driverLock, RetryBudget budget, IntSupplier update) {
        while (true) {
            int ret = readBeginAndFault(range);
            if (ret == 0) {
                driverLock.lock();
                try {
                    if (!MmuNotifiers.readRetry(range.notifier, range.notifierSeq)) {
                        return update.getAsInt();
                    }
                } finally {
                    driverLock.unlock();
                }
            } else if (ret != -Errno.EBUSY) {
                return ret;
            }
            if (!budget.restart()) {
                return -Errno.EBUSY;
            }
        }
    }
}
