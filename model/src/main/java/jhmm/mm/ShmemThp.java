package jhmm.mm;

import java.util.concurrent.locks.ReentrantLock;
import jhmm.base.PageSize;
import jhmm.phys.PageFlags;
import jhmm.phys.PageFrames;

/**
 * PMD-sized shmem folios (shared anonymous memory). With shmem_enabled=never a shmem fault
 * caches 4 KiB pages, but MADV_COLLAPSE builds a huge folio anyway (only "deny" forbids it),
 * and from then on every process mapping that part of the object maps it by one PMD where its
 * VMA holds the whole aligned window. The huge folio sits in the page cache as 512 entries
 * naming its subpages, so PTE-level faults and fault-around find it like any cached page.
 */
final class ShmemThp {
    private static final int NR = PageSize.HPAGE_PMD_NR;
    private final MemorySystem sys;

    ShmemThp(MemorySystem sys) {
        this.sys = sys;
    }

    static boolean isShmem(Vma vma) {
        return vma.file != null && vma.file.shmem && !vma.isHugetlb();
    }

    /** thp_vma_allowable_order for a forced collapse of shmem: any shmem VMA unless shmem THP is denied or the VMA said NOHUGEPAGE. */
    boolean collapsible(Vma vma) {
        return isShmem(vma) && !vma.has(VmFlags.NOHUGEPAGE) && sys.tunables().shmemThp() != ShmemThpMode.DENY
                && indexAligned(vma) && vma.end - vma.start >= PageSize.PMD_SIZE;
    }

    /** A PMD can map a huge folio only where addresses and page indices line up on 2 MiB. */
    private static boolean indexAligned(Vma vma) {
        return (((vma.start >>> PageSize.PAGE_SHIFT) - vma.pgoff) & (NR - 1)) == 0;
    }

    private static boolean windowInside(Vma vma, long haddr) {
        return haddr >= vma.start && haddr + PageSize.PMD_SIZE <= vma.end;
    }

    /** The head of the PMD-sized folio caching page {@code index}, or -1. */
    private int hugeFolio(FileInode file, long index) {
        int pfn = file.cachedPfn(index);
        PageFrames f = sys.phys.frames();
        return pfn >= 0 && f.order(pfn) == PageSize.PMD_ORDER ? f.head(pfn) : -1;
    }

    /**
     * Whether a fault at {@code addr}, whose PMD is none, finds a huge folio its VMA can map
     * whole (do_set_pmd's checks: order, window inside the VMA, aligned index).
     */
    boolean mapsHuge(Vma vma, long addr) {
        return isShmem(vma) && vma.pageIndex(addr) < vma.file.pages() && hugeFolio(vma.file, vma.pageIndex(addr)) >= 0
                && indexAligned(vma) && windowInside(vma, addr & PageSize.PMD_MASK);
    }

    /**
     * The fault on a none PMD over a huge shmem folio ({@link #mapsHuge}), PMD lock held: one PMD;
     * in a VM_NOHUGEPAGE VMA, which refuses the PMD, a PTE for each of its pages (Linux 6.18
     * maps a shmem folio whole when the VMA and the PTE table hold it).
     */
    int fault(Vma vma, long addr, int flags) {
        Mm mm = vma.mm;
        long haddr = addr & PageSize.PMD_MASK;
        int head = hugeFolio(vma.file, vma.pageIndex(addr));
        boolean write = (flags & Fault.FLAG_WRITE) != 0;
        long bits = Fault.filePteBits(vma, write);
        if (vma.has(VmFlags.NOHUGEPAGE)) {
            int table = mm.pt.pteTable(haddr, true);
            ReentrantLock ptl = mm.pt.tableLock(table); // the new table's own lock, inside the PMD lock
            ptl.lock();
            try {
                for (int i = 0; i < NR; i++) {
                    sys.rmap.addPte(head + i);
                    mm.pt.setEntryAt(table, i, Pte.mk(head + i, bits));
                }
            } finally {
                ptl.unlock();
            }
        } else {
            mm.pt.setPmd(haddr, Pte.mk(head, bits | Pte.HUGE));
            sys.rmap.addEntire(head);
        }
        mm.rssAdd(vma, NR);
        return Fault.OK;
    }

    /**
     * MADV_COLLAPSE of the window at {@code haddr} of a shmem VMA (collapse_file): copies the
     * cached pages of the aligned 2 MiB of the object into a new huge folio, holes as zeros, and
     * puts it in their place in the cache. Every mapping of the old pages goes (in every
     * process); page tables left empty are freed, so that each process's next fault maps the
     * PMD; the caller's window is mapped by a PMD at once. A window with nothing cached is
     * refused.
     */
    CollapseResult collapse(Vma vma, long haddr) {
        Mm mm = vma.mm;
        if (Pte.leaf(mm.pt.pmd(haddr))) {
            return CollapseResult.PMD_MAPPED;
        }
        FileInode file = vma.file;
        long index = vma.pageIndex(haddr);
        int head = hugeFolio(file, index);
        if (head < 0) {
            CollapseResult r = checkPages(file, index);
            if (r != null) {
                return r;
            }
            head = sys.phys.allocFolio(PageSize.PMD_ORDER);
            if (head < 0) {
                return CollapseResult.ALLOC_FAIL;
            }
            replacePages(file, index, head);
            sys.stats.thpCollapseAlloc.incrementAndGet();
        }
        mapPmd(vma, haddr, head);
        return CollapseResult.SUCCEED;
    }

    /** null when the window's cached pages can be collapsed; else why not. */
    private CollapseResult checkPages(FileInode file, long index) {
        PageFrames f = sys.phys.frames();
        boolean any = false;
        for (int i = 0; i < NR; i++) {
            int pfn = file.cachedPfn(index + i);
            if (pfn < 0) {
                continue;
            }
            any = true;
            if (f.isLarge(pfn) || f.refcount(pfn) != 1 + f.mapcount(pfn)) {
                return CollapseResult.PAGE_COUNT; // pinned, or held beyond the cache and its mappings
            }
        }
        return any ? null : CollapseResult.NO_PAGES;
    }

    /**
     * The huge folio takes the window's place in the cache. A window may reach past EOF (a
     * mapping mremap made larger than its object): Linux collapses it all the same, and the
     * pages past EOF are reachable only through the PMD; the cache has no entries for them.
     */
    private void replacePages(FileInode file, long index, int head) {
        PageFrames f = sys.phys.frames();
        int cached = (int) Math.min(NR, file.pages() - index);
        for (int i = 0; i < NR; i++) {
            f.set(head + i, PageFlags.PAGECACHE | PageFlags.SWAPBACKED | PageFlags.DIRTY);
        }
        for (int i = 0; i < cached; i++) {
            int old = file.cachedPfn(index + i);
            if (old >= 0) {
                sys.phys.data().copyTo(old, sys.phys.data(), head + i);
                sys.rmap.replaceMappings(old, (e, exclusive) -> 0, NotifierEvent.CLEAR);
                sys.phys.put(old); // the cache's reference
            }
            file.cache[(int) index + i] = head + i; // the allocation's reference is the cache's
        }
        f.setMapping(head, file.id, index);
        file.setFolio((int) index, NR);
        retractEmptyTables(file, index);
    }

    /** retract_page_tables: PTE tables of the window left empty in the processes mapping it go. */
    private void retractEmptyTables(FileInode file, long index) {
        for (Vma v : file.vmaSnapshot()) {
            long addr = v.addressOf(index);
            if (v.mm.dead || addr < 0 || (addr & ~PageSize.PMD_MASK) != 0 || !windowInside(v, addr)) {
                continue;
            }
            v.mm.freeEmptyPteTable(addr);
        }
    }

    /** The caller's window: whatever PTEs remain go, and one PMD maps the huge folio. */
    private void mapPmd(Vma vma, long haddr, int head) {
        Mm mm = vma.mm;
        NotifierRange r = mm.invalidateStart(NotifierEvent.CLEAR, haddr, haddr + PageSize.PMD_SIZE);
        ReentrantLock pml = mm.pmdLock(haddr); // the PMD lock, then the PTE table's, as collapse takes them
        int table = mm.pt.pteTable(haddr, false);
        ReentrantLock ptl = table < 0 ? null : mm.pt.tableLock(table);
        if (ptl != null) {
            ptl.lock();
        }
        try {
            sys.zap.zapPtesLocked(vma, haddr, haddr + PageSize.PMD_SIZE);
            mm.pt.freeEmptyPteTable(haddr);
            mm.pt.setPmd(haddr, Mprotect.adjust(vma, Pte.mk(head, Pte.HUGE | Pte.ACCESSED))); // the VMA's protection
            sys.rmap.addEntire(head);
            mm.rssAdd(vma, NR);
        } finally {
            if (ptl != null) {
                ptl.unlock();
            }
            pml.unlock();
        }
        mm.invalidateEnd(r);
    }
}
