package jhmm.hmm.api2019;

import java.util.IdentityHashMap;
import java.util.Map;
import jhmm.base.Errno;
import jhmm.base.PageSize;
import jhmm.dma.DmaDevice;
import jhmm.dma.DmaDirection;
import jhmm.mm.Mm;
import jhmm.mm.PageWalk;
import jhmm.mm.Vma;
import jhmm.mm.VmFlags;
import jhmm.notifier.MmuNotifiers;
import jhmm.phys.PageFlags;
import jhmm.phys.PageFrames;
import jhmm.phys.PhysicalMemory;

/**
 * The 5.2 entry points (include/linux/hmm.h of Linux 5.2): mirror and range registration,
 * {@code hmm_range_wait_until_valid}, {@code hmm_range_snapshot}, {@code hmm_range_fault} and
 * the legacy {@code hmm_vma_fault} / {@code hmm_vma_range_done} wrappers, and the DMA helpers
 * {@code hmm_range_dma_map} / {@code hmm_range_dma_unmap} (never used in tree, removed in 5.5).
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
                // 5.2 registers under the caller's mmap lock (a lock cannot be upgraded to write here)
                boolean locked = mm.mmapLock().getReadHoldCount() > 0 || mm.mmapLock().isWriteLockedByCurrentThread();
                if ((locked ? MmuNotifiers.registerLocked(hmm, mm) : MmuNotifiers.register(hmm, mm)) != 0) {
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

    /**
     * hmm_range_dma_map(range, device, daddrs, block) as 5.2 shipped it (with the fix of 9 Apr
     * 2019): hmm_range_fault, then one {@code dma_map_page} of PAGE_SIZE per slot that decodes
     * to a page. The caller holds the mmap lock for reading, as for {@link #rangeFault}.
     *
     * <ul>
     *   <li>a negative fault result is returned as is (-EAGAIN: the lock was released); a fault
     *       result of 0 ("no valid page") becomes -EBUSY;
     *   <li>the loop runs over {@code (end - start) >> PAGE_SHIFT} slots, always in base pages
     *       (ignoring {@code page_shift} and the fault's count): a THP is mapped as 512
     *       separate PAGE_SIZE mappings, each with its own DMA address, never coalesced;
     *   <li>{@code daddrs[i] = 0} first; slots without a page (a sentinel or no VALID bit) are
     *       skipped and not counted;
     *   <li>{@code range.valid} is checked only at slots with a page: false gives -EBUSY after
     *       the unwind;
     *   <li>direction DMA_TO_DEVICE, or DMA_BIDIRECTIONAL when the entry has flags[WRITE];
     *   <li>a mapping error gives -EFAULT after the unwind ({@code daddrs[i]} keeps the error
     *       cookie).
     * </ul>
     * The unwind unmaps, in order, every earlier slot with a page whose address is not a
     * mapping error, while the count of mappings made is not 0. It leaves {@code daddrs}
     * stale (the unmapped addresses stay, later slots keep whatever the caller had there) and
     * the pfns untouched.
     *
     * <p>Device-private entries (flags[DEVICE_PRIVATE]) decode to their ZONE_DEVICE page and
     * are handed to the DMA API like any other page: 5.2 filters nothing here, although such a
     * page has no CPU-reachable memory behind its frame number.
     *
     * <p>In hugetlb huge mode ({@code page_shift} above PAGE_SHIFT) the caller's pfns array
     * has one slot per huge page while this loop indexes base pages, so 5.2 reads past it
     * (edge case 50): the model refuses that undefined behaviour with an exception instead of
     * inventing a result. The same holds for a {@code daddrs} shorter than the range.
     *
     * @return the number of pages mapped, or -errno
     */
    public static long rangeDmaMap(HmmRange range, DmaDevice device, long[] daddrs, boolean block) {
        long ret = rangeFault(range, block);
        if (ret <= 0) {
            return ret != 0 ? ret : -Errno.EBUSY;
        }
        int npages = (int) ((range.end - range.start) >>> PageSize.PAGE_SHIFT);
        checkBasePageArrays(range, daddrs, npages);
        long mapped = 0;
        int i;
        for (i = 0; i < npages; i++) {
            // 5.2 FIXME: 0 stands for "no address"; pfns[] is what says which slots are valid
            daddrs[i] = 0;
            long pfn = range.decode(range.pfns[i]);
            if (pfn < 0) {
                continue;
            }
            if (!range.valid) { // checked only at slots with a page
                ret = -Errno.EBUSY;
                return dmaUnwind(range, device, daddrs, i, mapped, ret);
            }
            daddrs[i] = device.mapPage((int) pfn, 0, PageSize.PAGE_SIZE, dmaDirection(range, range.pfns[i]));
            if (daddrs[i] == DmaDevice.MAPPING_ERROR) {
                ret = -Errno.EFAULT;
                return dmaUnwind(range, device, daddrs, i, mapped, ret);
            }
            mapped++;
        }
        return mapped;
    }

    /** The unwind of hmm_range_dma_map: slots [0, failed), while mappings remain; daddrs and pfns are left as they are. */
    private static long dmaUnwind(HmmRange range, DmaDevice device, long[] daddrs, int failed, long mapped, long ret) {
        for (int j = 0; j < failed && mapped > 0; j++) {
            if (range.decode(range.pfns[j]) < 0) {
                continue;
            }
            if (daddrs[j] == DmaDevice.MAPPING_ERROR) {
                continue;
            }
            device.unmapPage(daddrs[j], PageSize.PAGE_SIZE, dmaDirection(range, range.pfns[j]));
            mapped--;
        }
        return ret;
    }

    /** "If it is read and write than map bi-directional": BIDIRECTIONAL with flags[WRITE], else TO_DEVICE. */
    private static DmaDirection dmaDirection(HmmRange range, long entry) {
        return (entry & range.flags[HmmRange.FLAG_WRITE]) != 0 ? DmaDirection.BIDIRECTIONAL : DmaDirection.TO_DEVICE;
    }

    private static void checkBasePageArrays(HmmRange range, long[] daddrs, int npages) {
        if (range.pfns.length < npages || daddrs.length < npages) {
            throw new IllegalStateException(String.format(
                    "5.2 indexes pfns[] and daddrs[] in base pages: %d slots needed, pfns has %d, daddrs %d"
                            + " (undefined behaviour in the kernel, page_shift %d)",
                    npages, range.pfns.length, daddrs.length, range.pageShift));
        }
    }

    /**
     * hmm_range_dma_unmap(range, vma, device, daddrs, dirty) as 5.2 shipped it: -EINVAL when
     * {@code end <= start}, {@code daddrs} is null or {@code pfns} is null (in that order);
     * otherwise, over every base-page slot that decodes to a page: direction TO_DEVICE, or
     * BIDIRECTIONAL with flags[WRITE], and only in that WRITE case, when {@code dirty}, the
     * page is marked dirty (set_page_dirty, which dirties the compound head, without the page
     * lock); one PAGE_SIZE {@code dma_unmap_page} at {@code daddrs[i]}; {@code pfns[i] =
     * values[NONE]}; {@code daddrs[i] = 0}. No validity check: the caller serialises against
     * its sync callback. {@code vma} is unused by 5.2; the model only uses it, after the VMA
     * the fault walked, to find the machine whose page flags it sets.
     *
     * @return the number of pages unmapped, or -EINVAL
     */
    public static long rangeDmaUnmap(HmmRange range, Vma vma, DmaDevice device, long[] daddrs, boolean dirty) {
        if (range.end <= range.start) {
            return -Errno.EINVAL;
        }
        if (daddrs == null) {
            return -Errno.EINVAL;
        }
        if (range.pfns == null) {
            return -Errno.EINVAL;
        }
        int npages = (int) ((range.end - range.start) >>> PageSize.PAGE_SHIFT);
        checkBasePageArrays(range, daddrs, npages);
        long cpages = 0;
        for (int i = 0; i < npages; i++) {
            long pfn = range.decode(range.pfns[i]);
            if (pfn < 0) {
                continue;
            }
            DmaDirection dir = DmaDirection.TO_DEVICE;
            if ((range.pfns[i] & range.flags[HmmRange.FLAG_WRITE]) != 0) {
                dir = DmaDirection.BIDIRECTIONAL;
                if (dirty) {
                    PageFrames f = physOf(range, vma).frames();
                    f.set(f.head((int) pfn), PageFlags.DIRTY); // set_page_dirty: compound_head
                }
            }
            device.unmapPage(daddrs[i], PageSize.PAGE_SIZE, dir);
            range.pfns[i] = range.values[HmmRange.VALUE_NONE];
            daddrs[i] = 0;
            cpages++;
        }
        return cpages;
    }

    /** The physical memory behind the range's pages: from the VMA the fault walked, the caller's VMA, or the mm. */
    private static PhysicalMemory physOf(HmmRange range, Vma vma) {
        Vma v = range.vma != null ? range.vma : vma;
        if (v != null) {
            return v.mm().system().phys();
        }
        Hmm hmm = range.hmm;
        if (hmm != null && hmm.mm != null) {
            return hmm.mm.system().phys();
        }
        throw new IllegalStateException("hmm_range_dma_unmap: no VMA or mm to find the pages' machine");
    }
}
