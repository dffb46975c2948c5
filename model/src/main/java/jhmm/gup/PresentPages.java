package jhmm.gup;

import java.util.concurrent.locks.ReentrantLock;
import jhmm.base.PageSize;
import jhmm.mm.Mm;
import jhmm.mm.PageTable;
import jhmm.mm.PageWalk;
import jhmm.mm.PageWalkOps;
import jhmm.mm.Pte;
import jhmm.mm.Vma;
import jhmm.phys.PhysicalMemory;

/**
 * The part of __get_user_pages that needs no fault: walks the range and takes every page whose
 * entry already allows the access, under the page-table lock as follow_page_mask does, but one
 * hold per PTE table or huge leaf and one grab per run of a folio's pages (try_grab_folio with
 * refs = n). Stops at the first page that needs the general path: a fault, a special entry,
 * a VMA the access is not allowed in, hugetlb, device memory for a long-term pin.
 */
final class PresentPages implements PageWalkOps {
    /** Ends the walk: the page at index {@link #got} needs the general path. */
    private static final int STOP = Integer.MIN_VALUE;

    private final Mm mm;
    private final PhysicalMemory phys;
    private final int flags;
    private final int[] pages;
    private final long start;
    private int got;

    private PresentPages(Mm mm, long start, int from, int flags, int[] pages) {
        this.mm = mm;
        this.phys = mm.system().phys();
        this.start = start;
        this.got = from;
        this.flags = flags;
        this.pages = pages;
    }

    /**
     * Takes the pages from index {@code from} on, up to {@code nrPages}, while they need no
     * fault; returns the index of the first page not taken. The caller holds the mmap lock.
     */
    static int take(Mm mm, long start, int from, int nrPages, int flags, int[] pages) {
        PresentPages walk = new PresentPages(mm, start, from, flags, pages);
        long end = start + ((long) nrPages << PageSize.PAGE_SHIFT);
        PageWalk.walkPageRange(mm, walk.addr(), end, walk);
        return walk.got;
    }

    private long addr() {
        return start + ((long) got << PageSize.PAGE_SHIFT);
    }

    @Override
    public int testWalk(long from, long to, Vma vma) {
        return Gup.checkVma(vma, flags) == 0 && !vma.isHugetlb() ? 0 : STOP;
    }

    @Override
    public int pteHole(long from, long to, Vma vma) {
        return STOP;
    }

    @Override
    public int hugetlbEntry(long entry, int order, long from, long to, Vma vma) {
        return STOP;
    }

    @Override
    public int pmdEntry(long pmd, long[] ptes, long from, long to, Vma vma) {
        ReentrantLock ptl = mm.lockEntry(from);
        try {
            if (!PageWalk.unchanged(mm, from, pmd, ptes)) {
                return STOP; // changed since the walk read it: the general path looks again
            }
            return ptes == null ? leaf(pmd, from, to, vma) : table(ptes, from, to, vma);
        } finally {
            ptl.unlock();
        }
    }

    private int leaf(long pmd, long from, long to, Vma vma) {
        long e = Pte.withPfn(pmd, Pte.pfn(pmd) + (int) ((from & ~PageSize.PMD_MASK) >>> PageSize.PAGE_SHIFT));
        if (!usable(e, vma)) {
            return STOP;
        }
        int n = (int) ((to - from) >>> PageSize.PAGE_SHIFT);
        grab(Pte.pfn(e), n);
        return 0;
    }

    private int table(long[] ptes, long from, long to, Vma vma) {
        for (long a = from; a < to; a += PageSize.PAGE_SIZE) {
            long e = PageTable.entry(ptes, a);
            if (!usable(e, vma)) {
                return STOP;
            }
            grab(Pte.pfn(e), 1);
        }
        return 0;
    }

    private boolean usable(long e, Vma vma) {
        if (!Pte.present(e) || (Pte.special(e) && (!phys.isZeroPfn(Pte.pfn(e)) || (flags & Foll.DUMP) != 0))) {
            return false; // the general path refuses these (FOLL_DUMP: the zero page as well)
        }
        return Gup.faultNeeded(mm, vma, e, flags) < 0 && ((flags & Foll.LONGTERM) == 0 || phys.pgmap(Pte.pfn(e)) == null);
    }

    /** Takes {@code n} consecutive pages of one folio and records them. */
    private void grab(int pfn, int n) {
        if ((flags & Foll.PIN) != 0) {
            phys.pinPages(pfn, n);
        } else {
            for (int i = 0; i < n; i++) {
                phys.getExternal(pfn + i);
            }
        }
        int at = got;
        for (int i = 0; i < n; i++) {
            pages[at + i] = pfn + i;
        }
        got = at + n;
    }
}
