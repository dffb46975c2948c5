package jhmm.mm;

import java.util.concurrent.locks.ReentrantLock;
import jhmm.base.PageSize;
import jhmm.phys.FolioBatch;
import jhmm.phys.PageFlags;
import jhmm.phys.PageFrames;

/**
 * zap_page_range: removes every entry of a range from the page table, dropping the mappings'
 * references (which frees pages nobody else holds), swap slots, and PTE tables left empty.
 * A huge leaf only partly inside the range is split first (the PMD, not the folio): a large
 * anonymous folio left partly mapped stays large and waits on the deferred split queue
 * ({@link DeferredSplit}).
 */
public final class Zap {
    private final MemorySystem sys;
    /** Each thread's batch of the references its zaps drop (mmu_gather lives on the kernel's stack). */
    private final ThreadLocal<FolioBatch> gather = ThreadLocal.withInitial(FolioBatch::new);

    Zap(MemorySystem sys) {
        this.sys = sys;
    }

    /**
     * MADV_DONTNEED: zaps [start, end) of {@code vma} inside an invalidation of {@code event}.
     * A PTE table left empty is freed only when its whole 2 MiB window was zapped (PT_RECLAIM):
     * a smaller zap keeps it, and MADV_COLLAPSE can still collapse that window.
     */
    void unmapRange(Vma vma, long start, long end, NotifierEvent event) {
        Mm mm = vma.mm;
        NotifierRange r = mm.invalidateStart(event, start, end);
        zap(vma, start, end, true);
        mm.invalidateEnd(r);
    }

    /** Zaps without notifying, freeing every PTE table it empties. */
    void zap(Vma vma, long start, long end) {
        zap(vma, start, end, false);
    }

    /** As {@link #zap(Vma, long, long)}; with {@code keepPartlyZappedTables}, frees only the tables of whole windows. */
    void zap(Vma vma, long start, long end, boolean keepPartlyZappedTables) {
        Mm mm = vma.mm;
        long addr = start;
        while (addr < end) {
            long pudEnd = Math.min((addr & PageSize.PUD_MASK) + PageSize.PUD_SIZE, end);
            long pud = mm.pt.pud(addr);
            if (pud == 0) {
                addr = pudEnd;
                continue;
            }
            if (Pte.leaf(pud)) {
                ReentrantLock ptl = mm.pudLock();
                try {
                    zapHugeLeaf(vma, addr & PageSize.PUD_MASK, mm.pt.pud(addr), true);
                } finally {
                    ptl.unlock();
                }
                addr = pudEnd;
                continue;
            }
            while (addr < pudEnd) {
                long next = Math.min((addr & PageSize.PMD_MASK) + PageSize.PMD_SIZE, pudEnd);
                zapPmdWindow(vma, addr, next, keepPartlyZappedTables);
                addr = next;
            }
        }
    }

    private void zapPmdWindow(Vma vma, long addr, long next, boolean keepPartlyZappedTables) {
        Mm mm = vma.mm;
        long haddr = addr & PageSize.PMD_MASK;
        boolean whole = addr == haddr && next == haddr + PageSize.PMD_SIZE;
        long pmd = mm.pt.pmd(addr);
        if (pmd == 0) {
            return;
        }
        if (Pte.leaf(pmd)) {
            if (whole || vma.isHugetlb()) {
                ReentrantLock pml = mm.pmdLock(haddr);
                try {
                    pmd = mm.pt.pmd(haddr); // read again under the lock: a split may have come first
                    if (Pte.leaf(pmd)) {
                        zapHugeLeaf(vma, haddr, pmd, false);
                        return;
                    }
                } finally {
                    pml.unlock();
                }
            } else {
                sys.huge.splitPmd(vma, haddr);
            }
        }
        // zap_pte_range under the PTE table's lock; the table goes after, under the PMD lock
        // and its own (free_pgtables, or PT_RECLAIM's try_to_free_pte for MADV_DONTNEED)
        ReentrantLock ptl = mm.lockEntry(addr);
        try {
            zapPtesLocked(vma, addr, next);
        } finally {
            ptl.unlock();
        }
        if (whole || !keepPartlyZappedTables) {
            mm.freeEmptyPteTable(haddr);
        }
    }

    private void zapHugeLeaf(Vma vma, long haddr, long e, boolean pud) {
        Mm mm = vma.mm;
        if (pud) {
            mm.pt.setPud(haddr, 0);
        } else {
            mm.pt.setPmd(haddr, 0);
        }
        if ((Pte.present(e) || Pte.isDevicePrivate(e)) && !Pte.special(e)) {
            int pfn = Pte.pfn(e);
            if (Pte.dirty(e)) {
                sys.phys.frames().set(pfn, PageFlags.DIRTY);
            }
            mm.rssAddFolio(vma, pfn, -sys.phys.frames().nrPages(pfn));
            sys.rmap.removeEntire(pfn);
        } else if (Pte.isMigration(e)) {
            // a folio under migration is still counted in rss (try_to_migrate keeps the counters)
            mm.rssAddFolio(vma, Pte.pfn(e), -sys.phys.frames().nrPages(Pte.pfn(e)));
        }
    }

    /** Clears PTEs of [start, end) inside one PMD window; the caller holds the PTE table's lock (or the PMD lock where there is none). */
    void zapPtesLocked(Vma vma, long start, long end) {
        Mm mm = vma.mm;
        int table = mm.pt.pteTable(start, false);
        if (table < 0) {
            return;
        }
        long[] ptes = mm.pt.entries(table);
        int first = (int) ((start >>> PageSize.PAGE_SHIFT) & (PageTable.ENTRIES - 1));
        int n = (int) ((end - start) >>> PageSize.PAGE_SHIFT);
        // zap_pte_range counts the pages per RSS counter and adds them once per table (add_mm_rss_vec)
        long anon = 0;
        long file = 0;
        long shmem = 0;
        FolioBatch batch = gather.get(); // at most a table's pages: never full before the end
        try {
            for (int i = first; i < first + n; i++) {
                long e = ptes[i];
                if (e == 0) {
                    continue;
                }
                mm.pt.setEntryAt(table, i, 0);
                switch (zapEntry(vma, e, batch)) {
                    case Mm.ANON -> anon++;
                    case Mm.FILE -> file++;
                    case Mm.SHMEM -> shmem++;
                    default -> { }
                }
            }
        } finally {
            mm.rssAddCounters(-anon, -file, -shmem);
            sys.phys.putAll(batch); // even when an entry failed: the batch is this thread's next zap's
        }
    }

    /**
     * Drops what entry {@code e} held, a mapped page's reference into {@code batch}; returns the
     * RSS counter (mm_counter) that loses a page, or {@link Mm#NO_COUNTER}.
     */
    private int zapEntry(Vma vma, long e, FolioBatch batch) {
        Mm mm = vma.mm;
        if (Pte.present(e) || Pte.isDeviceExclusive(e) || Pte.isDevicePrivate(e)) {
            if (Pte.special(e)) {
                return Mm.NO_COUNTER;
            }
            int pfn = Pte.pfn(e);
            PageFrames f = sys.phys.frames();
            if (Pte.dirty(e) && !f.test(pfn, PageFlags.ANON)) {
                f.set(pfn, PageFlags.DIRTY); // zap_present_folio_ptes marks only page-cache folios dirty
            }
            int counter = mm.counterOf(vma, pfn);
            sys.rmap.unmapPte(pfn);
            batch.add(pfn);
            return counter;
        } else if (Pte.isSwap(e)) {
            sys.swap.free(Pte.pfn(e));
        } else if (Pte.isMigration(e)) {
            return mm.counterOf(vma, Pte.pfn(e)); // still counted while it migrates
        }
        return Mm.NO_COUNTER;
    }
}
