package jhmm.mm;

import java.util.concurrent.locks.ReentrantLock;
import jhmm.base.Errno;
import jhmm.base.PageSize;
import jhmm.phys.PageFlags;
import jhmm.phys.PageFrames;

/**
 * MAP_POPULATE and MADV_POPULATE_READ/WRITE (faultin_page_range: GUP without pages, with
 * FOLL_TOUCH): every page of the range ends up mapped for the access. Pages that already are
 * are only touched (accessed, and dirty for a write), a PTE table or a huge leaf per hold of
 * the PTL, as follow_page_mask skips a whole huge leaf; the rest are faulted page by page.
 * The caller holds the mmap lock.
 */
final class Populate implements PageWalkOps {
    /** Ends a walk at {@link #stop}: the page there must be faulted. */
    private static final int FAULT = Integer.MIN_VALUE;

    private final Mm mm;
    private final boolean write;
    private long stop;

    private Populate(Mm mm, boolean write) {
        this.mm = mm;
        this.write = write;
    }

    /**
     * {@code force} is MAP_POPULATE's FOLL_FORCE: any access the CPU has will do, where
     * MADV_POPULATE_READ/WRITE want exactly the one it asks for.
     */
    static int populate(Mm mm, long start, long end, boolean write, boolean force) {
        Populate walk = new Populate(mm, write);
        long a = start;
        while (a < end) {
            Vma v = mm.findVma(a);
            if (v == null || v.start > a) {
                return -Errno.ENOMEM;
            }
            if (!gupAllows(v, write, force)) {
                return -Errno.EINVAL; // MADV_POPULATE reports check_vma_flags failing as EINVAL
            }
            long vmaEnd = Math.min(end, v.end);
            long lastFaulted = -1;
            while (a < vmaEnd) {
                long page = a; // hugetlb VMAs are not walked: each page goes to the fault path
                if (!v.isHugetlb()) {
                    walk.stop = vmaEnd;
                    PageWalk.walkPageRange(mm, a, vmaEnd, walk);
                    page = walk.stop;
                    if (page == vmaEnd) {
                        break;
                    }
                }
                int ret;
                if (page == lastFaulted || v.isHugetlb()) {
                    ret = UserAccess.faultUntilMapped(v, page, write); // bounded retries, then on
                    a = page + PageSize.PAGE_SIZE;
                } else {
                    // fault the page and the unpopulated run it starts; the walk from here checks what it made
                    long windowEnd = Math.min((page & PageSize.PMD_MASK) + PageSize.PMD_SIZE, vmaEnd);
                    long done = mm.sys.fault.faultRun(v, page, windowEnd, write ? Fault.FLAG_WRITE : 0);
                    ret = done < 0 ? errno((int) -done) : 0;
                    lastFaulted = page;
                    a = page;
                }
                if (ret < 0) {
                    return ret;
                }
            }
            a = Math.max(a, vmaEnd);
        }
        return 0;
    }

    /**
     * check_vma_flags: never raw PFN or I/O mappings; without FOLL_FORCE a read wants VM_READ,
     * where the CPU also reads write-only and exec-only mappings.
     */
    private static boolean gupAllows(Vma v, boolean write, boolean force) {
        if (v.has(VmFlags.IO | VmFlags.PFNMAP)) {
            return false;
        }
        return force ? !UserAccess.accessError(v, write) : v.has(write ? VmFlags.WRITE : VmFlags.READ);
    }

    /** The errno of a failed fault, as faultUntilMapped gives it. */
    private static int errno(int faultCode) {
        return faultCode == Fault.OOM ? -Errno.ENOMEM : -Errno.EFAULT;
    }

    private boolean allows(long e) {
        return Pte.accessible(e) && (!write || Pte.writable(e));
    }

    /**
     * FOLL_TOUCH: the entry's accessed and, for a write, dirty bits, and the folio marked
     * accessed (an atomic only when it was not: folio_mark_accessed tests first).
     */
    private long touched(long e) {
        PageFrames f = mm.sys.phys.frames();
        int head = f.head(Pte.pfn(e));
        if (!f.test(head, PageFlags.REFERENCED)) {
            f.set(head, PageFlags.REFERENCED);
        }
        return write && !Pte.dirty(e) ? Pte.set(e, Pte.DIRTY | Pte.ACCESSED) : e;
    }

    @Override
    public int pteHole(long start, long end, Vma vma) {
        stop = start;
        return FAULT;
    }

    @Override
    public int hugetlbEntry(long entry, int order, long start, long end, Vma vma) {
        stop = start;
        return FAULT; // not walked: hugetlb VMAs fault page by page
    }

    @Override
    public int pmdEntry(long pmd, long[] ptes, long start, long end, Vma vma) {
        PageTable pt = mm.pt;
        ReentrantLock ptl = mm.lockEntry(start);
        try {
            if (!PageWalk.unchanged(mm, start, pmd, ptes)) {
                stop = start; // changed since the walk read it: the fault path looks again
                return FAULT;
            }
            if (ptes == null) {
                if (!allows(pmd)) {
                    stop = start;
                    return FAULT;
                }
                long t = touched(pmd);
                if (t != pmd) {
                    pt.setPmd(start, t);
                }
                return 0;
            }
            int table = Pte.pfn(pmd);
            for (long a = start; a < end; a += PageSize.PAGE_SIZE) {
                int i = PageTable.index(a);
                long e = ptes[i];
                if (!allows(e)) {
                    stop = a;
                    return FAULT;
                }
                long t = touched(e);
                if (t != e) {
                    pt.setEntryAt(table, i, t);
                }
            }
            return 0;
        } finally {
            ptl.unlock();
        }
    }
}
