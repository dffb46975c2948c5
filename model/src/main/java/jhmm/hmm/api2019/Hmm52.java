package jhmm.hmm.api2019;

import java.util.IdentityHashMap;
import java.util.Map;
import jhmm.base.Errno;
import jhmm.base.PageSize;
import jhmm.mm.Mm;
import jhmm.mm.PageWalk;
import jhmm.mm.Vma;
import jhmm.mm.VmFlags;
import jhmm.notifier.MmuNotifiers;

/**
 * The 5.2 entry points (include/linux/hmm.h of Linux 5.2): mirror and range registration,
 * {@code hmm_range_wait_until_valid}, {@code hmm_range_snapshot}, {@code hmm_range_fault} and
 * the legacy {@code hmm_vma_fault} / {@code hmm_vma_range_done} wrappers.
 */
public final class Hmm52 {
    /** HMM_RANGE_DEFAULT_TIMEOUT, in milliseconds. */
    public static final long DEFAULT_TIMEOUT_MS = 1000;
    /**
     * 5.2 defect bound: a write request on a VMA without VM_WRITE re-walks forever in the real
     * code; the model stops after this many re-walks and returns -EBUSY.
     */
    public static final int MAX_REWALKS = 1000;

    private static final Map<Mm, Hmm> BY_MM = new IdentityHashMap<>();

    private Hmm52() {}

    /** hmm_get_or_create: null when the per-mm object cannot be set up. */
    static Hmm getOrCreate(Mm mm) {
        synchronized (BY_MM) {
            Hmm hmm = BY_MM.get(mm);
            if (hmm == null) {
                hmm = new Hmm(mm);
                if (MmuNotifiers.register(hmm, mm) != 0) {
                    return null;
                }
                BY_MM.put(mm, hmm);
            }
            hmm.refs++;
            return hmm;
        }
    }

    static void put(Hmm hmm) {
        synchronized (BY_MM) {
            if (--hmm.refs == 0) {
                // the last reference unregisters HMM's notifier without calling release
                MmuNotifiers.subscriptions(hmm.mm).removeClassicSilently(hmm);
                BY_MM.remove(hmm.mm);
            }
        }
    }

    /** hmm_mirror_register: the caller holds the mmap lock for writing. */
    public static int mirrorRegister(HmmMirror mirror, Mm mm) {
        if (mirror == null || mm == null || mirror.ops == null) {
            return -Errno.EINVAL;
        }
        Hmm hmm = getOrCreate(mm);
        if (hmm == null) {
            return -Errno.ENOMEM;
        }
        mirror.hmm = hmm;
        hmm.mirrorsSem.writeLock().lock();
        try {
            hmm.mirrors.add(0, mirror);
        } finally {
            hmm.mirrorsSem.writeLock().unlock();
        }
        return 0;
    }

    /** hmm_mirror_unregister: safe to call twice. */
    public static void mirrorUnregister(HmmMirror mirror) {
        Hmm hmm = mirror.hmm;
        if (hmm == null) {
            return;
        }
        hmm.mirrorsSem.writeLock().lock();
        try {
            hmm.mirrors.remove(mirror);
        } finally {
            hmm.mirrorsSem.writeLock().unlock();
        }
        mirror.hmm = null;
        put(hmm);
    }

    /** hmm_mirror_mm_is_alive: a hint; may say true for a process being killed. */
    public static boolean mirrorMmIsAlive(HmmMirror mirror) {
        Hmm hmm = mirror == null ? null : mirror.hmm;
        return hmm != null && !hmm.dead && hmm.mm != null;
    }

    /** hmm_range_register: 0, -EINVAL (alignment, empty range) or -EFAULT (mm gone). */
    public static int rangeRegister(HmmRange range, Mm mm, long start, long end, int pageShift) {
        long mask = (1L << pageShift) - 1;
        range.valid = false;
        range.hmm = null;
        if ((start & mask) != 0 || (end & mask) != 0 || start >= end) {
            return -Errno.EINVAL;
        }
        range.pageShift = pageShift;
        range.start = start;
        range.end = end;
        Hmm hmm = getOrCreate(mm);
        if (hmm == null) {
            return -Errno.EFAULT;
        }
        if (hmm.mm == null || hmm.dead) {
            put(hmm);
            return -Errno.EFAULT;
        }
        range.hmm = hmm;
        hmm.lock.lock();
        try {
            hmm.ranges.add(range);
            range.valid = hmm.notifiers == 0;
        } finally {
            hmm.lock.unlock();
        }
        return 0;
    }

    /** hmm_range_unregister. */
    public static void rangeUnregister(HmmRange range) {
        Hmm hmm = range.hmm;
        if (hmm == null || range.end <= range.start) {
            return;
        }
        hmm.lock.lock();
        try {
            hmm.ranges.remove(range);
        } finally {
            hmm.lock.unlock();
        }
        range.valid = false;
        range.hmm = null;
        put(hmm);
    }

    /** hmm_range_wait_until_valid. */
    public static boolean rangeWaitUntilValid(HmmRange range, long timeoutMs) {
        Hmm hmm = range.hmm;
        if (hmm == null || hmm.dead || hmm.mm == null) {
            range.valid = false;
            return false;
        }
        if (range.valid) {
            return true;
        }
        try {
            return hmm.awaitValid(range, timeoutMs);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return range.valid;
        }
    }

    public static boolean rangeValid(HmmRange range) {
        return range.valid;
    }

    /** hmm_range_snapshot: the caller holds the mmap lock; never faults. */
    public static long rangeSnapshot(HmmRange range) {
        return walkVmas(range, false, false);
    }

    /**
     * hmm_range_fault(range, block): returns the number of valid pages from the start, or
     * -errno. On -EAGAIN the mmap lock has been released (by the invalid-range check).
     */
    public static long rangeFault(HmmRange range, boolean block) {
        return walkVmas(range, true, block);
    }

    private static long walkVmas(HmmRange range, boolean fault, boolean block) {
        Hmm hmm = range.hmm;
        if (hmm == null || hmm.mm == null || hmm.dead) {
            return -Errno.EFAULT;
        }
        Mm mm = hmm.mm;
        Hmm52Walk walk = new Hmm52Walk(range, fault);
        long start = range.start;
        do {
            if (!range.valid) {
                if (fault) {
                    mm.mmapLock().readLock().unlock();
                }
                return -Errno.EAGAIN;
            }
            Vma vma = findVma(mm, start); // 5.2: no check that it begins at or before start
            if (vma == null || vma.has(VmFlags.IO | VmFlags.PFNMAP | VmFlags.MIXEDMAP)) {
                return -Errno.EFAULT;
            }
            if (vma.isHugetlb()) {
                if (vma.pageShift() != range.pageShift && range.pageShift != PageSize.PAGE_SHIFT) {
                    return -Errno.EINVAL;
                }
            } else if (range.pageShift != PageSize.PAGE_SHIFT) {
                return -Errno.EINVAL;
            }
            if (!vma.has(VmFlags.READ)) {
                walk.clear(range.start, range.end);
                return -Errno.EPERM;
            }
            range.vma = vma;
            long end = Math.min(range.end, vma.end());
            walk.last = start;
            if (!fault) {
                PageWalk.walkPageRange(mm, start, end, walk); // 5.2 ignores the walk's error here
            } else {
                int ret;
                int rewalks = 0;
                do {
                    ret = PageWalk.walkPageRange(mm, start, end, walk);
                    start = walk.last;
                } while (ret == -Errno.EBUSY && range.valid && ++rewalks < MAX_REWALKS);
                if (ret != 0) {
                    walk.clear(walk.last, range.end);
                    return ret;
                }
            }
            start = end;
        } while (start < range.end);
        return (walk.last - range.start) >>> PageSize.PAGE_SHIFT;
    }

    private static Vma findVma(Mm mm, long addr) {
        Vma v = mm.findVma(addr);
        if (v != null) {
            return v;
        }
        for (Vma candidate : mm.vmasIn(addr, PageSize.TASK_SIZE)) {
            return candidate;
        }
        return null;
    }

    /**
     * hmm_vma_fault (legacy wrapper, mmap lock held for reading by the caller): 0 with the
     * range left registered for {@link #vmaRangeDone}, or -errno.
     */
    public static int vmaFault(HmmRange range, Mm mm, boolean block) {
        range.defaultFlags = 0;
        range.pfnFlagsMask = -1L;
        int ret = rangeRegister(range, mm, range.start, range.end, PageSize.PAGE_SHIFT);
        if (ret != 0) {
            return ret;
        }
        if (!rangeWaitUntilValid(range, DEFAULT_TIMEOUT_MS)) {
            mm.mmapLock().readLock().unlock();
            return -Errno.EAGAIN; // the range stays registered on this path
        }
        long r = rangeFault(range, block);
        if (r <= 0) {
            if (r == -Errno.EAGAIN) {
                rangeUnregister(range);
                return -Errno.EBUSY; // the lock is already released
            }
            if (r == 0 || r == -Errno.EBUSY) {
                mm.mmapLock().readLock().unlock();
                rangeUnregister(range);
                return -Errno.EBUSY;
            }
            rangeUnregister(range);
            return (int) r;
        }
        return 0;
    }

    /** hmm_vma_range_done: returns {@code valid} as it was, then unregisters. */
    public static boolean vmaRangeDone(HmmRange range) {
        boolean valid = range.valid;
        rangeUnregister(range);
        return valid;
    }
}
