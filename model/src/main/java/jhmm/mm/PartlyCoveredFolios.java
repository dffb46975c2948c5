package jhmm.mm;

import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import jhmm.base.PageSize;
import jhmm.phys.PageFlags;
import jhmm.phys.PageFrames;

/**
 * MADV_FREE and MADV_PAGEOUT act on whole folios: a PMD straddling the range's edges is split
 * into PTEs, and a large anonymous folio that the range then maps only in part is split too,
 * unless another mapping shares it, so that the advice reaches exactly the pages in the range.
 */
final class PartlyCoveredFolios {
    private PartlyCoveredFolios() {}

    /** Splits the edge PMDs, then the unshared large anonymous folios [start, end) of {@code vma} maps only in part. */
    static void split(Vma vma, long start, long end) {
        MemorySystem sys = vma.mm.sys;
        for (long edge : new long[] {start, end}) {
            long haddr = edge & PageSize.PMD_MASK;
            long pmd = vma.mm.pt.pmd(haddr);
            // nothing to free or reclaim in the huge zero page, nor in a THP another process maps
            // too (folio_maybe_mapped_shared): those PMDs stay whole; a page-cache folio is
            // split whole by pageout itself
            if ((edge & ~PageSize.PMD_MASK) != 0 && Pte.leaf(pmd) && Pte.pfn(pmd) != sys.phys.hugeZeroPfn()
                    && !sys.rmap.maybeMappedShared(Pte.pfn(pmd))
                    && !sys.phys.frames().test(Pte.pfn(pmd), PageFlags.PAGECACHE)) {
                sys.huge.splitPmd(vma, haddr);
            }
        }
        for (int head : find(vma, start, end)) {
            sys.huge.splitFound(head, head); // zero-filled subpages go to the zero page (6.12+)
        }
    }

    private static Set<Integer> find(Vma vma, long start, long end) {
        Mm mm = vma.mm;
        PageFrames f = mm.sys.phys.frames();
        Set<Integer> heads = new LinkedHashSet<>();
        for (long w = start; w < end; w = (w & PageSize.PMD_MASK) + PageSize.PMD_SIZE) {
            long wEnd = Math.min((w & PageSize.PMD_MASK) + PageSize.PMD_SIZE, end);
            ReentrantLock ptl = mm.lockEntry(w); // one PTE table at a time, as the kernel's walk locks them
            try {
                if (Pte.leaf(mm.pt.pmd(w))) {
                    continue; // a PMD inside the range covers its folio whole
                }
                for (long a = w; a < wEnd; a += PageSize.PAGE_SIZE) {
                    long e = mm.pt.pte(a);
                    if (!Pte.present(e) || Pte.special(e) || !f.isLarge(Pte.pfn(e))) {
                        continue;
                    }
                    int head = f.head(Pte.pfn(e));
                    if (f.test(head, PageFlags.ANON) && !f.test(head, PageFlags.ZONE_DEVICE)
                            && !covers(mm, start, end, head, a - ((long) (Pte.pfn(e) - head) << PageSize.PAGE_SHIFT)) && !shared(f, head)) {
                        heads.add(head);
                    }
                }
            } finally {
                ptl.unlock();
            }
        }
        return heads;
    }

    /**
     * The folio's pages are mapped in order from {@code first}, all inside [start, end) and in
     * one PTE table: the kernel batches a folio's PTEs table by table, so a folio that mremap
     * placed across a 2 MiB boundary is never seen whole, and gets split.
     */
    private static boolean covers(Mm mm, long start, long end, int head, long first) {
        int n = mm.sys.phys.frames().nrPages(head);
        long last = first + ((long) n << PageSize.PAGE_SHIFT);
        if (first < start || last > end || (first & PageSize.PMD_MASK) != ((last - 1) & PageSize.PMD_MASK)) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            long e = mm.pt.pte(first + ((long) i << PageSize.PAGE_SHIFT));
            if (!Pte.present(e) || Pte.pfn(e) != head + i) {
                return false;
            }
        }
        return true;
    }

    /** Mapped by another PMD, or one of its pages by more than one PTE: another process may use it. */
    private static boolean shared(PageFrames f, int head) {
        if (f.entireMapcount(head) > 0) {
            return true;
        }
        for (int i = 0, n = f.nrPages(head); i < n; i++) {
            if (f.pteMapcount(head + i) > 1) {
                return true;
            }
        }
        return false;
    }
}
