package jhmm.mm;

import java.util.concurrent.locks.ReentrantLock;
import jhmm.base.Errno;
import jhmm.base.PageSize;
import jhmm.base.Pattern;
import jhmm.phys.PageFlags;
import jhmm.phys.PageFrames;
import jhmm.phys.PhysicalMemory;

/**
 * Transparent huge pages (mm/huge_memory.c, khugepaged's collapse): PMD-sized anonymous
 * folios on fault where policy and alignment allow, the huge zero page for reads, splitting a
 * PMD mapping into PTEs and a large folio into small ones, and MADV_COLLAPSE.
 */
public final class HugeMemory {
    private static final int NR = PageSize.HPAGE_PMD_NR;
    private final MemorySystem sys;

    HugeMemory(MemorySystem sys) {
        this.sys = sys;
    }

    /** Whether a fault at {@code addr} may get a PMD-sized folio (policy, VMA kind, alignment). */
    boolean thpAllowed(Vma vma, long addr) {
        if (!vma.isAnonPrivate() || vma.has(VmFlags.NOHUGEPAGE)) {
            return false;
        }
        ThpMode mode = sys.thp();
        if (mode == ThpMode.NEVER || (mode == ThpMode.MADVISE && !vma.has(VmFlags.HUGEPAGE))) {
            return false;
        }
        return fitsPmd(vma, addr);
    }

    private static boolean fitsPmd(Vma vma, long addr) {
        long haddr = addr & PageSize.PMD_MASK;
        return haddr >= vma.start && haddr + PageSize.PMD_SIZE <= vma.end;
    }

    /**
     * do_huge_pmd_anonymous_page; called with the PTL held. A read fault maps the huge zero page
     * unless use_zero_page is off, when it allocates a THP as a write fault does. Returns -1 to
     * fall back to PTEs.
     */
    int anonymousPmdFault(Vma vma, long addr, int flags) {
        Mm mm = vma.mm;
        long haddr = addr & PageSize.PMD_MASK;
        sys.fault.ensureAnonVma(vma); // vmf_anon_prepare comes first, the huge zero page included: fork copies that PMD
        if ((flags & Fault.FLAG_WRITE) == 0 && sys.tunables().thpZeroPage()) {
            mm.pt.setPmd(haddr, Pte.mk(sys.phys.hugeZeroPfn(), Pte.HUGE | Pte.SPECIAL | Pte.ACCESSED));
            return Fault.OK;
        }
        return mapNewThp(vma, haddr) ? Fault.OK : -1;
    }

    private boolean mapNewThp(Vma vma, long haddr) {
        int pfn = sys.phys.allocFolio(PageSize.PMD_ORDER);
        if (pfn < 0) {
            sys.stats.thpFaultFallback.incrementAndGet();
            return false;
        }
        sys.fault.ensureAnonVma(vma);
        sys.rmap.mapNewAnonEntire(pfn, vma, haddr);
        // maybe_pmd_mkwrite: a FOLL_FORCE write into a read-only VMA gets a read-only huge entry
        long write = vma.has(VmFlags.WRITE) ? Pte.WRITE : 0;
        vma.mm.pt.setPmd(haddr, Pte.mk(pfn, Pte.HUGE | write | Pte.DIRTY | Pte.ACCESSED));
        vma.mm.rssAnon.add(NR);
        sys.stats.thpFaultAlloc.incrementAndGet();
        return true;
    }

    /**
     * A write to a read-only PMD leaf (called with the PMD lock held): the huge zero page gets a
     * fresh THP (Linux 6.13+), an exclusive folio is reused, anything else is split so that COW
     * happens per 4 KiB page. Returns RETRY when the PMD was split.
     */
    int pmdWriteProtectFault(Vma vma, long addr, long pmd, int flags) {
        Mm mm = vma.mm;
        long haddr = addr & PageSize.PMD_MASK;
        int pfn = Pte.pfn(pmd);
        PageFrames f = sys.phys.frames();
        if (vma.has(VmFlags.SHARED)) {
            // a shared mapping needs no copy: the huge page-cache folio becomes writable in place
            mm.pt.setPmd(haddr, Pte.set(pmd, Pte.WRITE | Pte.DIRTY | Pte.ACCESSED));
            f.set(pfn, PageFlags.DIRTY);
            return Fault.OK;
        }
        if (pfn == sys.phys.hugeZeroPfn()) {
            if ((flags & Fault.FLAG_WRITE) != 0) {
                ReentrantLock pml = mm.pt.pmdLockPtr(haddr);
                pml.unlock();
                NotifierRange r = mm.invalidateStart(NotifierEvent.CLEAR, haddr, haddr + PageSize.PMD_SIZE);
                pml.lock();
                boolean mapped = false;
                if (mm.pt.pmd(haddr) == pmd) {
                    mm.pt.setPmd(haddr, 0);
                    mapped = mapNewThp(vma, haddr);
                    if (!mapped) {
                        mm.pt.setPmd(haddr, pmd);
                    }
                }
                pml.unlock();
                mm.invalidateEnd(r);
                pml.lock();
                if (mapped) {
                    return Fault.OK;
                }
            }
        } else if ((vma.has(VmFlags.WRITE) || (flags & Fault.FLAG_UNSHARE) != 0)
                && (f.test(pfn, PageFlags.ANON_EXCLUSIVE) || (f.refcount(pfn) == 1 && f.entireMapcount(pfn) == 1))) {
            f.set(pfn, PageFlags.ANON_EXCLUSIVE);
            if ((flags & Fault.FLAG_UNSHARE) == 0) {
                mm.pt.setPmd(haddr, Pte.set(pmd, Pte.WRITE | Pte.DIRTY | Pte.ACCESSED));
            }
            return Fault.OK;
        }
        splitPmdLocked(vma, haddr, true);
        return Fault.RETRY;
    }

    /**
     * __split_huge_pmd: replaces the PMD leaf at {@code haddr} by 512 PTEs mapping the same
     * frames (the folio stays large). Invalidates the 2 MiB range. Takes the PMD lock itself.
     */
    public void splitPmd(Vma vma, long haddr) {
        Mm mm = vma.mm;
        NotifierRange r = mm.invalidateStart(NotifierEvent.CLEAR, haddr, haddr + PageSize.PMD_SIZE);
        ReentrantLock pml = mm.pmdLock(haddr);
        try {
            if (Pte.leaf(mm.pt.pmd(haddr))) {
                splitPmdEntries(vma, haddr);
            }
        } finally {
            pml.unlock();
        }
        mm.invalidateEnd(r);
    }

    /** As {@link #splitPmd} for a caller that holds the PMD lock (it is dropped around the notifier). */
    void splitPmdLocked(Vma vma, long haddr, boolean notify) {
        Mm mm = vma.mm;
        if (!notify) {
            splitPmdEntries(vma, haddr);
            return;
        }
        long before = mm.pt.pmd(haddr);
        ReentrantLock pml = mm.pt.pmdLockPtr(haddr);
        pml.unlock();
        NotifierRange r = mm.invalidateStart(NotifierEvent.CLEAR, haddr, haddr + PageSize.PMD_SIZE);
        pml.lock();
        if (mm.pt.pmd(haddr) == before && Pte.leaf(before)) {
            splitPmdEntries(vma, haddr);
        }
        pml.unlock();
        mm.invalidateEnd(r);
        pml.lock();
    }

    private void splitPmdEntries(Vma vma, long haddr) {
        Mm mm = vma.mm;
        long pmd = mm.pt.pmd(haddr);
        int pfn = Pte.pfn(pmd);
        if (Pte.present(pmd) && sys.phys.frames().test(pfn, PageFlags.PAGECACHE)) {
            dropFilePmd(vma, haddr, pmd);
            return;
        }
        long[] fill = new long[NR];
        if (Pte.isMigration(pmd)) {
            for (int i = 0; i < NR; i++) {
                fill[i] = Pte.mkNonPresent(Pte.kind(pmd), pfn + i, pmd & Pte.EXCLUSIVE);
            }
        } else if (pfn == sys.phys.hugeZeroPfn()) {
            // the zero page with the VMA's protection (__split_huge_zero_page_pmd): inaccessible under PROT_NONE
            long zero = Pte.mk(sys.phys.zeroPfn(), Pte.SPECIAL | Pte.ACCESSED | (pmd & Pte.PROTNONE));
            java.util.Arrays.fill(fill, Pte.protnone(pmd) ? zero & ~Pte.PRESENT : zero);
        } else {
            long bits = pmd & (Pte.WRITE | Pte.DIRTY | Pte.ACCESSED | Pte.PROTNONE);
            PageFrames f = sys.phys.frames();
            for (int i = 0; i < NR; i++) {
                if (Pte.isDevicePrivate(pmd)) {
                    fill[i] = Pte.mkNonPresent(Pte.kind(pmd), pfn + i, 0);
                } else {
                    fill[i] = Pte.protnone(pmd) ? (Pte.mk(pfn + i, bits) & ~Pte.PRESENT) : Pte.mk(pfn + i, bits);
                }
                f.pteMapcountAdd(pfn + i, 1);
            }
            // the PMD's one reference becomes one per PTE
            f.refAdd(pfn, NR - 1);
            f.entireMapcountAdd(pfn, -1);
        }
        mm.pt.setPmd(haddr, 0);
        mm.pt.replacePmdWithTable(haddr, fill);
        sys.stats.thpSplitPmd.incrementAndGet();
    }

    /**
     * A PMD mapping a page-cache folio is not replaced by PTEs when split: it goes, and the
     * pages are faulted back by PTEs when touched (__split_huge_pmd for a file VMA).
     */
    private void dropFilePmd(Vma vma, long haddr, long pmd) {
        int pfn = Pte.pfn(pmd);
        vma.mm.pt.setPmd(haddr, 0);
        if (Pte.dirty(pmd)) {
            sys.phys.frames().set(pfn, PageFlags.DIRTY);
        }
        vma.mm.rssAddFolio(vma, pfn, -NR);
        sys.rmap.removeEntire(pfn);
        sys.stats.thpSplitPmd.incrementAndGet();
    }

    /**
     * split_huge_page: turns the large folio at {@code pfn} into small folios. Every PMD
     * mapping is split first. Fails with -EAGAIN when references beyond the mappings (and page
     * cache) exist, as can_split_folio() does; -EINVAL for a small or hugetlb folio.
     */
    public int splitFolio(int pfn) {
        return splitFolio(pfn, 0);
    }

    /**
     * split_huge_page as the kernel runs it on a folio it isolates (debugfs split_huge_pages,
     * MADV_PAGEOUT, reclaim): {@link #splitFolio(int)}, after which, with thp-split-zero (Linux
     * 6.12+), each subpage of an anonymous folio that holds only zeros is mapped by the shared
     * zero page wherever it was mapped, and freed.
     */
    public int splitHugePage(int pfn) {
        return splitFound(pfn, sys.phys.frames().head(pfn));
    }

    /**
     * {@link #splitHugePage(int)} of the folio whose head a caller found at {@code head} for
     * page {@code pfn}, holding no reference: nothing is split if the folio was freed, or the
     * page no longer belongs to it once it is locked.
     */
    int splitFound(int pfn, int head) {
        PageFrames f = sys.phys.frames();
        if (!f.refTryGet(head)) {
            return -Errno.EAGAIN; // freed since the caller found it: isolate only a live folio
        }
        try {
            // under the lock, the page must still belong to the folio locked (not split or freed meanwhile)
            return underFolioLock(head, () -> f.head(pfn) == head ? splitHugePage(head, 1) : -Errno.EAGAIN);
        } finally {
            sys.phys.put(head);
        }
    }

    /**
     * Runs {@code split} for a caller that does not hold the folio lock: the kernel splits only
     * locked folios, so a migration collecting the folio meanwhile (which locks it before it
     * takes its reference) cannot have that reference overwritten by the split. -EAGAIN when
     * someone else holds the lock.
     */
    int underFolioLock(int head, java.util.function.IntSupplier split) {
        PageFrames f = sys.phys.frames();
        if (!f.tryLock(head)) {
            return -Errno.EAGAIN;
        }
        try {
            return split.getAsInt();
        } finally {
            f.unlock(head); // split or not, the lock stayed on the first page
        }
    }

    /** {@link #splitHugePage(int)} for a caller holding {@code callerRefs} references (reclaim's isolation). */
    int splitHugePage(int pfn, int callerRefs) {
        PageFrames f = sys.phys.frames();
        int head = f.head(pfn);
        int n = f.nrPages(head);
        boolean zeroes = f.test(head, PageFlags.ANON) && sys.tunables().thpSplitZero();
        int ret = splitFolio(head, callerRefs, zeroes);
        if (ret == 0 && zeroes) {
            // as remap_page with RMP_USE_SHARED_ZEROPAGE: the new folios are still locked and
            // held, so no migration or reclaim takes a page before it is looked at
            for (int i = 0; i < n; i++) {
                mapZeroSubpage(head + i);
                if (i > 0) {
                    f.unlock(head + i);
                    sys.phys.put(head + i);
                }
            }
        }
        return ret;
    }

    /** Replaces every mapping of a just-split, still-mapped, all-zero page by the shared zero page. */
    private void mapZeroSubpage(int pfn) {
        PageFrames f = sys.phys.frames();
        if (f.test(pfn, PageFlags.FREE) || f.pteMapcount(pfn) == 0
                || !sys.phys.data().matches(pfn, 0, (int) PageSize.PAGE_SIZE, Pattern.ZERO, 0)) {
            return;
        }
        int zero = sys.phys.zeroPfn();
        sys.rmap.replaceMappings(pfn, (e, exclusive) -> {
            // the zero page with the VMA's protection: read-only, or inaccessible under PROT_NONE
            long z = Pte.mk(zero, Pte.SPECIAL | Pte.ACCESSED | (e & Pte.PROTNONE));
            return Pte.protnone(e) ? z & ~Pte.PRESENT : z;
        }, NotifierEvent.CLEAR);
    }

    /**
     * As {@link #splitFolio(int)} for a caller that holds {@code callerRefs} references on the
     * folio (reclaim's isolation reference): they are expected, and stay on the first page.
     */
    int splitFolio(int pfn, int callerRefs) {
        return splitFolio(pfn, callerRefs, false);
    }

    /**
     * {@link #splitFolio(int, int)}; with {@code holdTails} every new folio but the first is
     * left locked and with one reference more once remapped, for the caller to map to the zero
     * page, unlock and put.
     *
     * <p>As __folio_split: the folio is unmapped first (unmap_folio: every PTE of an anonymous
     * folio becomes a migration entry, a page-cache folio's go), its count is frozen at what
     * the holders explain, and only then are the counts split and handed out; remap_page then
     * maps each new folio where its page was. Meanwhile a fault waits on the migration entry and
     * a zap clears it without touching a count: a split counting mapcounts while PTEs still map
     * the folio could hand out a reference that a racing zap had already dropped.
     */
    private int splitFolio(int pfn, int callerRefs, boolean holdTails) {
        PageFrames f = sys.phys.frames();
        int head = f.head(pfn);
        if (f.order(head) == 0 || f.test(head, PageFlags.HUGETLB) || f.test(head, PageFlags.ZERO)) {
            return -Errno.EINVAL;
        }
        boolean cached = f.test(head, PageFlags.PAGECACHE);
        // a page of a cached folio past EOF (shmem collapsed there) is dropped by the split
        long cachedPages = cached ? ((FileInode) sys.mappingById(f.mapping(head))).pages() - f.index(head) : 0;
        sys.phys.get(head); // hold it while the mappings change
        try {
            int n = f.nrPages(head);
            int frozen = 1 + callerRefs + (cached ? 1 : 0);
            // can_split_folio: a reference the mappings (one per PTE, one per PMD) and holders
            // do not explain (a pin) fails the split before anything is unmapped
            int mappingRefs = f.folioTotalMapcount(head) - (n - 1) * f.entireMapcount(head);
            if (f.refcount(head) != frozen + mappingRefs) {
                return -Errno.EAGAIN;
            }
            if (cached) {
                // split_folio leaves a page-cache folio unmapped: its pages are faulted back as needed
                sys.rmap.replaceMappings(head, (e, exclusive) -> 0, NotifierEvent.CLEAR);
            } else {
                // unmap_folio: TTU_SPLIT_HUGE_PMD, a PMD becomes PTEs of migration entries
                sys.rmap.replaceMappings(head, Migrate::migrationEntry, NotifierEvent.CLEAR, true);
            }
            // frozen at exactly the holders' count: a mapping the unmap missed, or a device
            // collecting the folio meanwhile (folio_try_get), makes the freeze fail
            if (!f.refFreeze(head, frozen)) {
                sys.rmap.restoreMigrationEntries(head, head);
                return -Errno.EAGAIN;
            }
            int flags = f.flags(head) & (PageFlags.ANON | PageFlags.ANON_EXCLUSIVE | PageFlags.SWAPBACKED | PageFlags.DIRTY | PageFlags.PAGECACHE);
            int mapping = f.mapping(head);
            long index = f.index(head);
            PhysicalMemory phys = sys.phys;
            phys.splitFolio(head);
            for (int i = 0; i < n; i++) {
                // the cache holds each page now; the first keeps our hold and the caller's, the
                // others are held and locked until remapped, so no one takes them before
                int refs = (i < cachedPages ? 1 : 0) + (i == 0 ? 1 + callerRefs : 1);
                f.set(head + i, flags | (i > 0 ? PageFlags.LOCKED : 0));
                f.setMapping(head + i, mapping, index + i);
                phys.setRefcount(head + i, refs);
            }
            if (cached) {
                ((FileInode) sys.mappingById(mapping)).splitFolio((int) index);
            } else {
                for (int i = 0; i < n; i++) {
                    sys.rmap.restoreMigrationEntries(head + i, head + i);
                }
            }
            if (!holdTails) {
                for (int i = 1; i < n; i++) {
                    f.unlock(head + i);
                    phys.put(head + i); // a page nobody maps is freed
                }
            }
            sys.stats.thpSplitPage.incrementAndGet();
            return 0;
        } finally {
            sys.phys.put(head);
        }
    }

    /**
     * MADV_COLLAPSE over [start, end) of one VMA (madvise_collapse): every PMD window fully
     * inside is collapsed, and the call succeeds only if all of them end up PMD-mapped; the
     * errno is the last failing window's. Independent of the THP sysfs policy. A range covering
     * no whole window succeeds when its start rounded up and its end rounded down to 2 MiB meet
     * (no window to do) and fails when they cross (the kernel's window count underflows).
     * Caller holds the mmap lock for writing.
     */
    int madviseCollapse(Vma vma, long start, long end) {
        boolean shmem = ShmemThp.isShmem(vma);
        if (shmem ? !sys.shmemThp.collapsible(vma) : !collapsible(vma)) {
            return -Errno.EINVAL;
        }
        long hstart = (start + PageSize.PMD_SIZE - 1) & PageSize.PMD_MASK;
        long hend = end & PageSize.PMD_MASK;
        if (hstart > hend) {
            return -Errno.EINVAL;
        }
        CollapseResult lastFailure = null;
        for (long h = hstart; h < hend; h += PageSize.PMD_SIZE) {
            CollapseResult r = shmem ? sys.shmemThp.collapse(vma, h) : collapse(vma, h);
            if (!r.huge) {
                lastFailure = r;
                if (!r.continues) {
                    break;
                }
            }
        }
        return lastFailure == null ? 0 : -lastFailure.errno;
    }

    /**
     * thp_vma_allowable_order for a forced collapse: a private anonymous VMA without
     * VM_NOHUGEPAGE that has an anon_vma (some page was written) and room for an aligned PMD.
     * File VMAs are refused: ext4 page cache is collapsed only with CONFIG_READ_ONLY_THP_FOR_FS.
     */
    private static boolean collapsible(Vma vma) {
        if (!vma.isAnonPrivate() || vma.has(VmFlags.NOHUGEPAGE) || vma.anonVma == null) {
            return false;
        }
        return vma.end - vma.start >= PageSize.PMD_SIZE && fitsPmd(vma, vma.end - PageSize.PMD_SIZE);
    }

    /**
     * Collapse of the PMD window at {@code haddr}: copies the PTE-mapped pages (swapping in,
     * zero for none and zero-page PTEs, however many) into a new THP mapped with one PMD. A
     * window already mapped by a PMD, the huge zero page included, is left as it is.
     */
    private CollapseResult collapse(Vma vma, long haddr) {
        Mm mm = vma.mm;
        long pmd = mm.pt.pmd(haddr);
        if (Pte.leaf(pmd)) {
            return Pte.present(pmd) ? CollapseResult.PMD_MAPPED : CollapseResult.PMD_NULL;
        }
        if (pmd == 0) {
            return mm.pt.pmdTableId(haddr) < 0 ? CollapseResult.PMD_NULL : CollapseResult.PMD_NONE;
        }
        for (int i = 0; i < NR; i++) {
            long e = mm.pt.pte(haddr + ((long) i << PageSize.PAGE_SHIFT));
            if (Pte.isSwap(e) && sys.fault.handle(vma, haddr + ((long) i << PageSize.PAGE_SHIFT), 0) != Fault.OK) {
                return CollapseResult.FAIL;
            }
            if (Pte.present(e) && !Pte.special(e) && sys.phys.maybeDmaPinned(Pte.pfn(e))) {
                return CollapseResult.PAGE_COUNT;
            }
        }
        int pfn = sys.phys.allocFolio(PageSize.PMD_ORDER);
        if (pfn < 0) {
            return CollapseResult.ALLOC_FAIL;
        }
        NotifierRange r = mm.invalidateStart(NotifierEvent.CLEAR, haddr, haddr + PageSize.PMD_SIZE);
        // collapse_huge_page: the PMD lock, then the PTE table's, for the whole swap of the table for a leaf
        ReentrantLock pml = mm.pmdLock(haddr);
        int table = mm.pt.pteTable(haddr, false);
        ReentrantLock ptl = table < 0 ? null : mm.pt.tableLock(table);
        if (ptl == null) {
            pml.unlock();
            mm.invalidateEnd(r);
            sys.phys.put(pfn);
            return CollapseResult.FAIL; // the table went while the pages were checked
        }
        ptl.lock();
        try {
            boolean dirty = false;
            for (int i = 0; i < NR; i++) {
                long addr = haddr + ((long) i << PageSize.PAGE_SHIFT);
                long e = mm.pt.pte(addr);
                if (Pte.present(e)) {
                    sys.phys.data().copyTo(Pte.pfn(e), sys.phys.data(), pfn + i);
                    dirty |= Pte.dirty(e);
                }
            }
            sys.zap.zapPtesLocked(vma, haddr, haddr + PageSize.PMD_SIZE);
            mm.pt.freeEmptyPteTable(haddr);
            sys.fault.ensureAnonVma(vma);
            sys.rmap.mapNewAnonEntire(pfn, vma, haddr);
            // mk_huge_pmd(vma->vm_page_prot): PROT_NONE stays inaccessible, PROT_READ read-only
            mm.pt.setPmd(haddr, Mprotect.adjust(vma, Pte.mk(pfn, Pte.HUGE | Pte.ACCESSED | Pte.DIRTY | Pte.WRITE)));
            mm.rssAnon.add(NR);
            sys.stats.thpCollapseAlloc.incrementAndGet();
        } finally {
            ptl.unlock();
            pml.unlock();
        }
        mm.invalidateEnd(r);
        return CollapseResult.SUCCEED;
    }
}
