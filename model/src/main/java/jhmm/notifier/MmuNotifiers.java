package jhmm.notifier;

import jhmm.base.Errno;
import jhmm.base.ErrnoException;
import jhmm.mm.Mm;
import jhmm.mm.MmuNotifierHook;

/**
 * The mmu notifier API (include/linux/mmu_notifier.h): registering classic subscriptions,
 * inserting and removing interval notifiers, and the read side of the sequence protocol.
 */
public final class MmuNotifiers {
    private MmuNotifiers() {}

    /** The subscriptions of {@code mm}, created and attached as its hook on first use. */
    public static MmuNotifierSubscriptions subscriptions(Mm mm) {
        synchronized (mm) {
            MmuNotifierHook h = mm.notifierHook();
            if (h instanceof MmuNotifierSubscriptions s) {
                return s;
            }
            MmuNotifierSubscriptions s = new MmuNotifierSubscriptions(mm);
            mm.setNotifierHook(s);
            return s;
        }
    }

    /** mmu_notifier_register: takes the mmap lock for writing. -EINVAL when the mm is dead. */
    public static int register(MmuNotifier sub, Mm mm) {
        mm.mmapLock().writeLock().lock();
        try {
            if (mm.isDead()) {
                return -Errno.EINVAL;
            }
            subscriptions(mm).addClassic(sub);
            return 0;
        } finally {
            mm.mmapLock().writeLock().unlock();
        }
    }

    /**
     * __mmu_notifier_register: for a caller that already holds the mmap lock (5.2's per-mm
     * hmm registers this way). -EINVAL when the mm is dead.
     */
    public static int registerLocked(MmuNotifier sub, Mm mm) {
        if (mm.isDead()) {
            return -Errno.EINVAL;
        }
        subscriptions(mm).addClassic(sub);
        return 0;
    }

    /** mmu_notifier_unregister: calls {@code release} if still registered, then unlinks. */
    public static void unregister(MmuNotifier sub, Mm mm) {
        if (subscriptions(mm).removeClassic(sub)) {
            sub.release(mm);
        }
    }

    /**
     * mmu_interval_notifier_insert for [start, start+length).
     *
     * @throws jhmm.base.ErrnoException EOVERFLOW for an empty or wrapping interval, EINVAL for a dead mm
     */
    public static MmuIntervalNotifier insert(Mm mm, long start, long length, MmuIntervalNotifierOps ops) {
        if (length == 0 || Long.compareUnsigned(start + length - 1, start) < 0) {
            throw new ErrnoException(Errno.EOVERFLOW, "interval notifier length");
        }
        if (mm.isDead()) {
            throw new ErrnoException(Errno.EINVAL, "address space already torn down");
        }
        MmuIntervalNotifier sub = new MmuIntervalNotifier(mm, start, start + length - 1, ops);
        subscriptions(mm).insert(sub);
        return sub;
    }

    /**
     * mmu_interval_notifier_remove: may sleep until the current exclusive period ends; after
     * it returns the callback never runs again.
     */
    public static void remove(MmuIntervalNotifier sub) {
        try {
            subscriptions(sub.mm).remove(sub);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** mmu_interval_read_begin: the sequence to pass to {@link #readRetry}; may sleep. */
    public static long readBegin(MmuIntervalNotifier sub) {
        try {
            return subscriptions(sub.mm).readBegin(sub);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return sub.invalidateSeq;
        }
    }

    /** mmu_interval_read_retry: true when an invalidation collided. Call under the driver's update lock. */
    public static boolean readRetry(MmuIntervalNotifier sub, long seq) {
        return sub.invalidateSeq != seq;
    }

    /** mmu_interval_check_retry: as {@link #readRetry} but usable without the lock; false is only a hint. */
    public static boolean checkRetry(MmuIntervalNotifier sub, long seq) {
        return sub.invalidateSeq != seq;
    }
}
