package jhmm.notifier;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import jhmm.base.Errno;
import jhmm.mm.Mm;
import jhmm.mm.MmuNotifierHook;
import jhmm.mm.NotifierEvent;
import jhmm.mm.NotifierRange;

/**
 * The notifier state of one address space (struct mmu_notifier_subscriptions): the classic
 * subscriptions and the interval tree with its sequence protocol. Attached to the mm as its
 * {@link MmuNotifierHook}, so every page-table change of the mm comes through here.
 *
 * <p>Sequence protocol: the global sequence starts at 2; it is odd while an invalidation that
 * intersects some interval is in flight ("exclusive period") and becomes even again only
 * when every in-flight invalidation of the mm has ended. Inserting or removing intervals
 * during a period is deferred to its end.
 */
public final class MmuNotifierSubscriptions implements MmuNotifierHook {
    private final Mm mm;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition seqChanged = lock.newCondition();
    private volatile long invalidateSeq = 2;
    private int activeInvalidateRanges;
    private final List<MmuIntervalNotifier> itree = new ArrayList<>();
    private final List<MmuIntervalNotifier> deferred = new ArrayList<>();
    private final CopyOnWriteArrayList<MmuNotifier> classic = new CopyOnWriteArrayList<>();
    private volatile boolean hasItree;
    /** Callbacks that returned false in a blockable range (the kernel WARNs and goes on). */
    private final AtomicLong ignoredFailures = new AtomicLong();

    MmuNotifierSubscriptions(Mm mm) {
        this.mm = mm;
    }

    public Mm mm() {
        return mm;
    }

    /** The global sequence number (mmu_notifier_subscriptions.invalidate_seq). */
    public long seq() {
        return invalidateSeq;
    }

    public int activeInvalidations() {
        lock.lock();
        try {
            return activeInvalidateRanges;
        } finally {
            lock.unlock();
        }
    }

    /** Callbacks that refused a blockable invalidation: each a WARN in the kernel. */
    public long ignoredFailures() {
        return ignoredFailures.get();
    }

    public List<MmuIntervalNotifier> intervals() {
        lock.lock();
        try {
            return List.copyOf(itree);
        } finally {
            lock.unlock();
        }
    }

    void addClassic(MmuNotifier sub) {
        classic.add(sub);
    }

    boolean removeClassic(MmuNotifier sub) {
        return classic.remove(sub);
    }

    /** Unlinks a classic subscription without calling its release (mmu_notifier_unregister_no_release). */
    public void removeClassicSilently(MmuNotifier sub) {
        classic.remove(sub);
    }

    // ---- invalidation ------------------------------------------------------------------

    @Override
    public int invalidateRangeStart(NotifierRange range) {
        if (hasItree) {
            int ret = itreeInvalidateStart(range);
            if (ret != 0) {
                return ret;
            }
        }
        boolean failed = false;
        for (MmuNotifier sub : classic) {
            if (sub.invalidateRangeStart(range) != 0) {
                if (range.blockable()) {
                    ignoredFailures.incrementAndGet();
                } else {
                    failed = true;
                }
            }
        }
        if (failed) {
            // a failed start gets no end from the caller: finish every subscriber here
            for (MmuNotifier sub : classic) {
                sub.invalidateRangeEnd(range);
            }
            if (hasItree) {
                itreeInvalidateEnd();
            }
            return -Errno.EAGAIN;
        }
        return 0;
    }

    @Override
    public void invalidateRangeEnd(NotifierRange range) {
        if (hasItree) {
            itreeInvalidateEnd();
        }
        for (MmuNotifier sub : classic) {
            sub.invalidateRangeEnd(range);
        }
    }

    private int itreeInvalidateStart(NotifierRange range) {
        List<MmuIntervalNotifier> hit = new ArrayList<>();
        long curSeq;
        lock.lock();
        try {
            activeInvalidateRanges++;
            for (MmuIntervalNotifier sub : itree) {
                if (sub.intersects(range.start(), range.end())) {
                    hit.add(sub);
                }
            }
            if (!hit.isEmpty()) {
                invalidateSeq |= 1;
            }
            curSeq = invalidateSeq;
        } finally {
            lock.unlock();
        }
        for (MmuIntervalNotifier sub : hit) {
            if (!sub.ops.invalidate(sub, range, curSeq)) {
                if (range.blockable()) {
                    ignoredFailures.incrementAndGet();
                } else {
                    itreeInvalidateEnd();
                    return -Errno.EAGAIN;
                }
            }
        }
        return 0;
    }

    private void itreeInvalidateEnd() {
        lock.lock();
        try {
            activeInvalidateRanges--;
            if (activeInvalidateRanges != 0 || (invalidateSeq & 1) == 0) {
                return;
            }
            invalidateSeq++;
            for (MmuIntervalNotifier sub : deferred) {
                if (sub.inTree) {
                    itree.remove(sub);
                    sub.inTree = false;
                } else {
                    itree.add(sub);
                    sub.inTree = true;
                }
            }
            deferred.clear();
            seqChanged.signalAll();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void release(Mm m) {
        if (hasItree) {
            NotifierRange all = new NotifierRange(mm, 0, -1L, NotifierEvent.RELEASE, true, null);
            itreeInvalidateStart(all);
            itreeInvalidateEnd();
        }
        for (MmuNotifier sub : classic) {
            sub.release(mm);
        }
        classic.clear();
    }

    @Override
    public boolean clearFlushYoung(Mm m, long start, long end) {
        boolean young = false;
        for (MmuNotifier sub : classic) {
            young |= sub.clearFlushYoung(mm, start, end);
        }
        return young;
    }

    /** mmu_notifier_clear_young: OR of every subscriber's answer, without flushing. */
    public boolean clearYoung(long start, long end) {
        boolean young = false;
        for (MmuNotifier sub : classic) {
            young |= sub.clearYoung(mm, start, end);
        }
        return young;
    }

    /** mmu_notifier_test_young: the first subscriber that says young wins. */
    public boolean testYoung(long addr) {
        for (MmuNotifier sub : classic) {
            if (sub.testYoung(mm, addr)) {
                return true;
            }
        }
        return false;
    }

    // ---- interval subscriptions ---------------------------------------------------------

    void insert(MmuIntervalNotifier sub) {
        lock.lock();
        try {
            hasItree = true;
            if (activeInvalidateRanges > 0) {
                if ((invalidateSeq & 1) != 0) {
                    deferred.add(sub);
                } else {
                    invalidateSeq |= 1;
                    itree.add(sub);
                    sub.inTree = true;
                }
                sub.invalidateSeq = invalidateSeq;
            } else {
                sub.invalidateSeq = invalidateSeq - 1;
                itree.add(sub);
                sub.inTree = true;
            }
        } finally {
            lock.unlock();
        }
    }

    void remove(MmuIntervalNotifier sub) throws InterruptedException {
        long waitSeq = 0;
        lock.lock();
        try {
            if ((invalidateSeq & 1) != 0) {
                if (!sub.inTree) {
                    deferred.remove(sub); // its insert never happened
                } else {
                    deferred.add(sub);
                    waitSeq = invalidateSeq;
                }
            } else {
                itree.remove(sub);
                sub.inTree = false;
            }
            while (waitSeq != 0 && invalidateSeq == waitSeq) {
                seqChanged.await();
            }
        } finally {
            lock.unlock();
        }
    }

    long readBegin(MmuIntervalNotifier sub) throws InterruptedException {
        lock.lock();
        try {
            long seq = sub.invalidateSeq;
            // sleep only if this subscription's callback already ran in the current period
            while (seq == invalidateSeq) {
                seqChanged.await();
            }
            return seq;
        } finally {
            lock.unlock();
        }
    }
}
