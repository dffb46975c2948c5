package jhmm.mm;

import java.util.concurrent.locks.ReentrantLock;
import jhmm.base.Errno;
import jhmm.base.PageSize;
import jhmm.phys.PageFlags;
import jhmm.phys.PageFrames;

/** madvise(2) for the advice jhmm models. */
public final class Madvise {
    private Madvise() {}

    public static int madvise(Mm mm, long addr, long len, int advice) {
        long end = PageSize.userRangeEnd(addr, len);
        if (!PageSize.isPageAligned(addr) || end < 0) {
            return -Errno.EINVAL;
        }
        if (end == addr) {
            return 0; // an empty range: done before any VMA is looked at, whatever the advice
        }
        boolean layout = advice == Mman.MADV_HUGEPAGE || advice == Mman.MADV_NOHUGEPAGE || advice == Mman.MADV_COLLAPSE;
        var lock = layout ? mm.mmapLock().writeLock() : mm.mmapLock().readLock();
        lock.lock();
        try {
            if (advice == Mman.MADV_POPULATE_READ || advice == Mman.MADV_POPULATE_WRITE) {
                return Populate.populate(mm, addr, end, advice == Mman.MADV_POPULATE_WRITE, false); // stops at the first hole
            }
            // madvise_walk_vmas: holes are skipped, the advice still applies to the mapped parts,
            // and -ENOMEM is returned at the end
            int ret = switch (advice) {
                case Mman.MADV_DONTNEED -> dontneed(mm, addr, end);
                case Mman.MADV_FREE -> free(mm, addr, end);
                case Mman.MADV_HUGEPAGE -> setHugeFlag(mm, addr, end, VmFlags.HUGEPAGE, VmFlags.NOHUGEPAGE);
                case Mman.MADV_NOHUGEPAGE -> setHugeFlag(mm, addr, end, VmFlags.NOHUGEPAGE, VmFlags.HUGEPAGE);
                case Mman.MADV_PAGEOUT -> pageout(mm, addr, end);
                case Mman.MADV_COLLAPSE -> collapse(mm, addr, end);
                default -> -Errno.EINVAL;
            };
            return ret == 0 && covered(mm, addr, end) < end ? -Errno.ENOMEM : ret;
        } finally {
            lock.unlock();
        }
    }

    /** End of the mapped run starting at {@code addr}. */
    private static long covered(Mm mm, long addr, long end) {
        long cursor = addr;
        for (Vma v : mm.vmasIn(addr, end)) {
            if (v.start > cursor) {
                return cursor;
            }
            cursor = v.end;
        }
        return cursor;
    }

    /**
     * MADV_PAGEOUT, VMA by VMA; pages that cannot be reclaimed are skipped silently, but a VMA
     * reclaim cannot take at all (hugetlb, PFN map: can_madv_lru_vma) ends it with -EINVAL.
     */
    private static int pageout(Mm mm, long addr, long end) {
        for (Vma v : mm.vmasIn(addr, end)) {
            if (v.isHugetlb() || v.has(VmFlags.PFNMAP)) {
                return -Errno.EINVAL;
            }
            mm.sys.reclaim.pageout(v, Math.max(addr, v.start), Math.min(end, v.end));
        }
        return 0;
    }

    private static int dontneed(Mm mm, long addr, long end) {
        for (Vma v : mm.vmasIn(addr, end)) {
            if (v.isSpecial()) {
                return -Errno.EINVAL;
            }
            long s = Math.max(addr, v.start);
            long e = Math.min(end, v.end);
            if (v.isHugetlb()) {
                long unit = 1L << v.pageShift;
                s = (s + unit - 1) & -unit;
                e = e & -unit;
                if (s >= e) {
                    continue;
                }
            }
            mm.sys.zap.unmapRange(v, s, e, NotifierEvent.CLEAR);
        }
        return 0;
    }

    /**
     * MADV_FREE: anonymous private pages mapped only here become clean and lazily freeable;
     * reclaim discards them unless written again. Swap entries in the range are dropped.
     */
    private static int free(Mm mm, long addr, long end) {
        for (Vma v : mm.vmasIn(addr, end)) {
            if (!v.isAnonPrivate()) {
                return -Errno.EINVAL;
            }
        }
        for (Vma v : mm.vmasIn(addr, end)) {
            long s = Math.max(addr, v.start);
            long e = Math.min(end, v.end);
            PartlyCoveredFolios.split(v, s, e);
            NotifierRange r = mm.invalidateStart(NotifierEvent.CLEAR, s, e);
            for (long w = s; w < e; w = (w & PageSize.PMD_MASK) + PageSize.PMD_SIZE) {
                freeWindow(mm, w, Math.min((w & PageSize.PMD_MASK) + PageSize.PMD_SIZE, e));
            }
            mm.invalidateEnd(r);
        }
        return 0;
    }

    /**
     * madvise_free_pte_range clears a folio's PG_dirty only when this mapping is its only one
     * (mapcount equal to its pages), and leaves a dirty folio others map alone; a clean folio
     * is marked lazily freed whoever else maps it, and reclaim then discards it only once its
     * last other mapping has gone.
     */
    private static boolean exclusive(PageFrames f, int pfn) {
        int head = f.head(pfn);
        return f.folioTotalMapcount(head) == f.nrPages(head);
    }

    /** MADV_FREE over [start, end) inside one PMD window, under that window's lock (madvise_free_pte_range). */
    private static void freeWindow(Mm mm, long start, long end) {
        PageFrames f = mm.sys.phys.frames();
        ReentrantLock ptl = mm.lockEntry(start);
        try {
            long pmd = mm.pt.pmd(start);
            if (Pte.leaf(pmd)) {
                if (Pte.present(pmd) && !Pte.special(pmd) && f.entireMapcount(Pte.pfn(pmd)) == 1) {
                    mm.pt.setPmd(start, Pte.clear(pmd, Pte.DIRTY | Pte.ACCESSED));
                    markLazyFree(f, Pte.pfn(pmd));
                }
                return;
            }
            for (long a = start; a < end; a += PageSize.PAGE_SIZE) {
                long pte = mm.pt.pte(a);
                if (Pte.isSwap(pte)) {
                    mm.pt.setPte(a, 0);
                    mm.sys.swap.free(Pte.pfn(pte));
                } else if (Pte.present(pte) && !Pte.special(pte) && f.test(Pte.pfn(pte), PageFlags.ANON)
                        && (!f.test(f.head(Pte.pfn(pte)), PageFlags.DIRTY) || exclusive(f, Pte.pfn(pte)))) {
                    mm.pt.setPte(a, Pte.clear(pte, Pte.DIRTY | Pte.ACCESSED));
                    markLazyFree(f, Pte.pfn(pte));
                }
            }
        } finally {
            ptl.unlock();
        }
    }

    private static void markLazyFree(PageFrames f, int pfn) {
        int head = f.head(pfn);
        f.clear(head, PageFlags.SWAPBACKED | PageFlags.DIRTY);
    }

    private static int setHugeFlag(Mm mm, long addr, long end, int set, int clear) {
        return AddressSpaceOps.updateFlags(mm, addr, end,
                v -> v.isHugetlb() || v.isSpecial() ? -Errno.EINVAL : (v.flags | set) & ~clear, v -> {});
    }

    private static int collapse(Mm mm, long addr, long end) {
        for (Vma v : mm.vmasIn(addr, end)) {
            int ret = mm.sys.huge.madviseCollapse(v, Math.max(addr, v.start), Math.min(end, v.end));
            if (ret < 0) {
                return ret; // madvise_walk_vmas stops at the first VMA that fails
            }
        }
        return 0;
    }
}
