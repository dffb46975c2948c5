package jhmm.mm;

import java.util.concurrent.locks.ReentrantLock;
import jhmm.base.PageSize;

/**
 * walk_page_range: visits [start, end) of an address space VMA by VMA (gaps reported as holes
 * without a VMA), then PUD window by PUD window and PMD window by PMD window, handing each
 * populated PMD to {@link PageWalkOps#pmdEntry}; hugetlb VMAs go huge page by huge page to
 * {@link PageWalkOps#hugetlbEntry}. The caller holds the mmap lock (read is enough).
 * HMM and GUP both walk through here.
 */
public final class PageWalk {
    private PageWalk() {}

    public static int walkPageRange(Mm mm, long start, long end, PageWalkOps ops) {
        if (Long.compareUnsigned(start, end) >= 0) {
            return -jhmm.base.Errno.EINVAL;
        }
        long addr = start;
        while (addr < end) {
            Vma vma = nextVma(mm, addr);
            long next;
            int err;
            if (vma == null || addr < vma.start) {
                next = vma == null ? end : Math.min(end, vma.start);
                err = ops.pteHole(addr, next, null);
            } else {
                next = Math.min(end, vma.end);
                err = ops.testWalk(addr, next, vma);
                if (err > 0) {
                    addr = next;
                    continue;
                }
                if (err == 0) {
                    err = vma.isHugetlb() ? walkHugetlb(mm, vma, addr, next, ops) : walkPuds(mm, vma, addr, next, ops);
                }
            }
            if (err != 0) {
                return err;
            }
            addr = next;
        }
        return 0;
    }

    /** find_vma: the first VMA ending above {@code addr}. */
    private static Vma nextVma(Mm mm, long addr) {
        Vma v = mm.findVma(addr);
        if (v != null) {
            return v;
        }
        var e = mm.vmas.ceilingEntry(addr);
        return e == null ? null : e.getValue();
    }

    private static int walkPuds(Mm mm, Vma vma, long start, long end, PageWalkOps ops) {
        long addr = start;
        while (addr < end) {
            long pudNext = Math.min((addr & PageSize.PUD_MASK) + PageSize.PUD_SIZE, end);
            long pud = read(mm, addr, true);
            if (pud == 0) {
                int err = ops.pteHole(addr, pudNext, vma);
                if (err != 0) {
                    return err;
                }
                addr = pudNext;
                continue;
            }
            long[] pmds = pmdTable(mm, addr);
            while (addr < pudNext) {
                long next = Math.min((addr & PageSize.PMD_MASK) + PageSize.PMD_SIZE, pudNext);
                long pmd = pmds == null ? 0 : PageTable.entryAt(pmds, PageTable.pmdIndex(addr));
                long[] ptes = null;
                if (Pte.table(pmd)) {
                    // the PTE table's array is taken under the PMD lock, with the entry re-read: a
                    // table made meanwhile is published by the lock, one freed stays empty (as RCU keeps it)
                    ReentrantLock pml = mm.pt.pmdLockPtr(addr);
                    pml.lock();
                    try {
                        pmd = PageTable.entryAt(pmds, PageTable.pmdIndex(addr));
                        ptes = Pte.table(pmd) ? mm.pt.entries(Pte.pfn(pmd)) : null;
                    } finally {
                        pml.unlock();
                    }
                }
                int err = pmd == 0 ? ops.pteHole(addr, next, vma) : ops.pmdEntry(pmd, ptes, addr, next, vma);
                if (err != 0) {
                    return err;
                }
                addr = next;
            }
        }
        return 0;
    }

    /**
     * Whether the PMD entry of {@code addr} is still {@code pmd} and, for a PTE table, still
     * the array {@code ptes}: what a walker that acts on a window it was handed checks first,
     * with the lock of that entry held.
     */
    public static boolean unchanged(Mm mm, long addr, long pmd, long[] ptes) {
        long now = mm.pt.pmd(addr);
        return now == pmd && (ptes == null || mm.pt.entries(Pte.pfn(now)) == ptes);
    }

    /**
     * The PMD table under {@code addr}'s PUD entry, or null. Only PTE tables are ever freed, so
     * a walker may read a PMD table's entries without the PTL, as pmdp_get_lockless does; one
     * that acts on a huge leaf takes the lock and checks the entry again.
     */
    private static long[] pmdTable(Mm mm, long addr) {
        ReentrantLock ptl = mm.pudLock();
        try {
            int id = mm.pt.pmdTableId(addr);
            return id < 0 ? null : mm.pt.entries(id);
        } finally {
            ptl.unlock();
        }
    }

    private static int walkHugetlb(Mm mm, Vma vma, long start, long end, PageWalkOps ops) {
        long size = 1L << vma.pageShift;
        int order = vma.pageShift - PageSize.PAGE_SHIFT;
        boolean pudLevel = vma.pageShift == PageSize.PUD_SHIFT;
        for (long addr = start; addr < end; ) {
            long next = Math.min((addr & -size) + size, end);
            int err;
            if (hasSlot(mm, addr, pudLevel)) {
                err = ops.hugetlbEntry(read(mm, addr, pudLevel), order, addr, next, vma);
            } else {
                err = ops.pteHole(addr, next, vma); // huge_pte_offset found no table
            }
            if (err != 0) {
                return err;
            }
            addr = next;
        }
        return 0;
    }

    private static boolean hasSlot(Mm mm, long addr, boolean pud) {
        ReentrantLock ptl = mm.pudLock();
        try {
            return mm.pt.hasSlot(addr, pud);
        } finally {
            ptl.unlock();
        }
    }

    private static long read(Mm mm, long addr, boolean pud) {
        ReentrantLock ptl = pud ? mm.pudLock() : mm.lockEntry(addr);
        try {
            return pud ? mm.pt.pud(addr) : mm.pt.pmd(addr);
        } finally {
            ptl.unlock();
        }
    }
}
