package jhmm.hmm.api2019;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import jhmm.base.Errno;
import jhmm.mm.Mm;
import jhmm.mm.NotifierRange;
import jhmm.notifier.MmuNotifier;

/**
 * struct hmm (5.2): one per address space, registered as one classic mmu notifier. It keeps
 * the registered ranges and mirrors, counts invalidations in flight, clears {@code valid} on
 * overlapping ranges at start and sets every range valid again when the count returns to 0.
 */
public final class Hmm implements MmuNotifier {
    Mm mm;
    final ReentrantLock lock = new ReentrantLock();
    private final Condition wq = lock.newCondition();
    final List<HmmRange> ranges = new ArrayList<>();
    final List<HmmMirror> mirrors = new ArrayList<>();
    final ReentrantReadWriteLock mirrorsSem = new ReentrantReadWriteLock();
    long notifiers;
    volatile boolean dead;
    int refs;
    /** Starts that failed: the 5.2 notifier core never sends their end. */
    private final Set<NotifierRange> failedStarts = Collections.newSetFromMap(new IdentityHashMap<>());

    Hmm(Mm mm) {
        this.mm = mm;
    }

    public Mm mm() {
        return mm;
    }

    public boolean dead() {
        return dead;
    }

    /** Invalidations started and not yet ended (leaks in 5.2 when a non-blockable start fails). */
    public long notifiers() {
        lock.lock();
        try {
            return notifiers;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public int invalidateRangeStart(NotifierRange nrange) {
        HmmUpdate update = new HmmUpdate(nrange.start(), nrange.end(), nrange.blockable());
        if (update.blockable()) {
            lock.lock();
        } else if (!lock.tryLock()) {
            return -Errno.EAGAIN;
        }
        try {
            notifiers++;
            for (HmmRange r : ranges) {
                // 5.2's overlap test: an update ending exactly at range.start still counts
                if (!(update.end() < r.start || update.start() >= r.end)) {
                    r.valid = false;
                }
            }
        } finally {
            lock.unlock();
        }
        var sem = mirrorsSem.readLock();
        if (update.blockable()) {
            sem.lock();
        } else if (!sem.tryLock()) {
            return failStart(nrange);
        }
        try {
            for (HmmMirror m : mirrors) {
                int ret = m.ops.syncCpuDevicePagetables(m, update);
                if (!update.blockable() && ret == -Errno.EAGAIN) {
                    return failStart(nrange);
                }
            }
        } finally {
            sem.unlock();
        }
        return 0;
    }

    /** 5.2 defect: the counter stays incremented; no end will come for this range. */
    private int failStart(NotifierRange nrange) {
        lock.lock();
        try {
            failedStarts.add(nrange);
        } finally {
            lock.unlock();
        }
        return -Errno.EAGAIN;
    }

    @Override
    public void invalidateRangeEnd(NotifierRange nrange) {
        lock.lock();
        try {
            if (failedStarts.remove(nrange)) {
                return;
            }
            notifiers--;
            if (notifiers == 0) {
                for (HmmRange r : ranges) {
                    r.valid = true;
                }
                wq.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void release(Mm m) {
        dead = true;
        lock.lock();
        try {
            for (HmmRange r : ranges) {
                r.valid = false;
            }
            wq.signalAll();
        } finally {
            lock.unlock();
        }
        while (true) {
            HmmMirror mirror;
            mirrorsSem.writeLock().lock();
            try {
                if (mirrors.isEmpty()) {
                    return;
                }
                mirror = mirrors.remove(0);
            } finally {
                mirrorsSem.writeLock().unlock();
            }
            mirror.ops.release(mirror); // with mirrors_sem dropped, as 5.2 does
        }
    }

    /** Sleeps until {@code range} is valid or the mm dies, at most {@code timeoutMs}. */
    boolean awaitValid(HmmRange range, long timeoutMs) throws InterruptedException {
        long left = TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        lock.lock();
        try {
            while (!range.valid && !dead && left > 0) {
                left = wq.awaitNanos(left);
            }
            return range.valid;
        } finally {
            lock.unlock();
        }
    }
}
