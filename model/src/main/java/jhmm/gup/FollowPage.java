package jhmm.gup;

import jhmm.base.PageSize;
import jhmm.mm.Mm;
import jhmm.mm.PageWalk;
import jhmm.mm.PageTable;
import jhmm.mm.PageWalkOps;
import jhmm.mm.Pte;
import jhmm.mm.Vma;

/**
 * follow_page_mask over the same page-walk core hmm_range_fault uses: the entry that translates
 * one address, whatever level it sits at, with the frame field naming the 4 KiB frame of the
 * address itself; 0 for a hole.
 */
final class FollowPage implements PageWalkOps {
    private long entry;

    private FollowPage() {}

    /** The entry for {@code addr}; the caller holds the mmap lock. */
    static long entry(Mm mm, long addr) {
        FollowPage f = new FollowPage();
        long page = addr & PageSize.PAGE_MASK;
        PageWalk.walkPageRange(mm, page, page + PageSize.PAGE_SIZE, f);
        return f.entry;
    }

    @Override
    public int pteHole(long start, long end, Vma vma) {
        entry = 0;
        return 0;
    }

    @Override
    public int pmdEntry(long pmd, long[] ptes, long start, long end, Vma vma) {
        entry = Pte.leaf(pmd) ? subpage(pmd, start, PageSize.PMD_SIZE) : PageTable.entry(ptes, start);
        return 0;
    }

    @Override
    public int hugetlbEntry(long e, int order, long start, long end, Vma vma) {
        entry = subpage(e, start, PageSize.PAGE_SIZE << order);
        return 0;
    }

    private static long subpage(long leaf, long addr, long size) {
        if (leaf == 0) {
            return 0;
        }
        return Pte.withPfn(leaf, Pte.pfn(leaf) + (int) ((addr & (size - 1)) >>> PageSize.PAGE_SHIFT));
    }
}
