package jhmm.mm;

import jhmm.phys.DeferredSplitQueue;
import jhmm.phys.PageFlags;
import jhmm.phys.PageFrames;

/**
 * Deferred splitting of large anonymous folios (mm/huge_memory.c): unmapping part of a THP
 * (munmap, MADV_DONTNEED, COW of one page, ...) splits at most the PMD mapping; the folio
 * stays large, partly mapped, and is queued. The shrinker splits queued folios under memory
 * pressure, which frees their unmapped pages; migration splits one before moving it.
 */
final class DeferredSplit {
    private final MemorySystem sys;

    DeferredSplit(MemorySystem sys) {
        this.sys = sys;
    }

    private DeferredSplitQueue queue() {
        return sys.phys.deferredSplit();
    }

    /**
     * Queues {@code pfn}'s folio if it is a large anonymous one mapped only in part: called when
     * a mapping of it went (a PTE whose page is now unmapped, or the whole-folio PMD), and when
     * migration maps a new folio where a partly mapped one was (device memory coming back).
     */
    void queueIfPartlyMapped(int pfn) {
        PageFrames f = sys.phys.frames();
        int head = f.head(pfn);
        int kind = f.flags(head) & (PageFlags.HEAD | PageFlags.ANON | PageFlags.HUGETLB | PageFlags.ZONE_DEVICE | PageFlags.PARTIALLY_MAPPED);
        if (kind == (PageFlags.HEAD | PageFlags.ANON) && partlyMapped(f, head) && queue().add(head)) {
            sys.stats.thpDeferredSplitPage.incrementAndGet();
        }
    }

    /** No PMD maps the folio, and some of its pages are PTE-mapped while others are not. */
    static boolean partlyMapped(PageFrames f, int head) {
        return unmappedOfPartlyMapped(f, head) > 0;
    }

    /** The pages no PTE maps of a {@link #partlyMapped} folio (those a split frees); 0 for any other folio. */
    private static int unmappedOfPartlyMapped(PageFrames f, int head) {
        if (f.entireMapcount(head) > 0) {
            return 0;
        }
        int n = f.nrPages(head);
        int mapped = f.ptesMappedFrames(head, n);
        return mapped > 0 ? n - mapped : 0;
    }

    /**
     * deferred_split_scan: splits queued folios that are still partly mapped until about
     * {@code target} pages are freed; folios no longer partly mapped just leave the queue.
     * Returns the pages freed.
     */
    int scan(int target) {
        PageFrames f = sys.phys.frames();
        int freed = 0;
        for (int head : queue().snapshot()) {
            if (freed >= target) {
                break;
            }
            if (!f.refTryGet(head)) {
                continue; // being freed: it leaves the queue as it goes
            }
            try {
                freed += splitQueued(f, head);
            } finally {
                sys.phys.put(head);
            }
        }
        return freed;
    }

    /** Splits one queued folio the caller holds a reference on; returns the pages that freed. */
    private int splitQueued(PageFrames f, int head) {
        if (!queue().contains(head)) {
            return 0; // split or freed and reused meanwhile
        }
        int unmapped = unmappedOfPartlyMapped(f, head);
        if (unmapped == 0) {
            queue().remove(head);
            return 0;
        }
        return sys.huge.underFolioLock(head, () -> sys.huge.splitFolio(head, 1)) == 0 ? unmapped : 0;
    }

    /**
     * Migration splits a queued folio that is still partly mapped rather than move it whole,
     * so that only its mapped pages move; the unmapped ones are freed. True when it was split.
     */
    boolean splitBeforeMigration(int head) {
        PageFrames f = sys.phys.frames();
        if (!f.test(head, PageFlags.PARTIALLY_MAPPED) || !f.refTryGet(head)) {
            return false;
        }
        try {
            splitQueued(f, head);
            return !f.isLarge(head);
        } finally {
            sys.phys.put(head);
        }
    }
}
