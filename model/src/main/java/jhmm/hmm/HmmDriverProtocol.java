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
     * Faults {@code range} and calls {@code update} under {@code driverLock} with results no
     * invalidation has touched. Returns {@code update}'s result, hmm_range_fault's error, or
     * -EBUSY once {@code timeoutNanos} (0: none) have passed.
     */
    public static int faultAndUpdate(HmmRange range, Lock driverLock, long timeoutNanos, IntSupplier update) {
        Mm mm = range.notifier.mm();
        long deadline = System.nanoTime() + timeoutNanos;
        while (true) {
            if (timeoutNanos > 0 && System.nanoTime() - deadline > 0) {
                return -Errno.EBUSY;
            }
            range.notifierSeq = MmuNotifiers.readBegin(range.notifier);
            int ret;
            mm.mmapLock().readLock().lock();
            try {
                ret = HmmRangeFault.fault(range);
            } finally {
                mm.mmapLock().readLock().unlock();
            }
            if (ret == -Errno.EBUSY) {
                continue;
            }
            if (ret != 0) {
                return ret;
            }
            driverLock.lock();
            try {
                if (!MmuNotifiers.readRetry(range.notifier, range.notifierSeq)) {
                    return update.getAsInt();
                }
            } finally {
                driverLock.unlock();
            }
        }
    }
}
