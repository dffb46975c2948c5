package jhmm.mm;

import java.util.concurrent.locks.ReentrantLock;
import jhmm.base.PageSize;
import jhmm.phys.PageFlags;
import jhmm.phys.PageFrames;
import jhmm.phys.PhysicalMemory;

/**
 * handle_mm_fault: makes one address of a VMA accessible for a read or a write. The caller
 * holds the mmap lock for reading and has checked the VMA's permissions (so GUP with FOLL_FORCE
 * can write-fault a read-only private mapping, which gets a private copy mapped read-only).
 *
 * <p>Anonymous read faults map the shared zero page (the huge zero page for THP-eligible
 * ranges); write faults allocate, or break COW. Page-cache pages back file mappings; a read
 * fault there also maps the cached pages around it (fault-around). Replacing
 * a mapped page (COW) invalidates that page with a CLEAR event, as the kernel does.
 */
public final class Fault {
    public static final int FLAG_WRITE = 1;
    /** GUP pinning a shared anonymous page for read: make it exclusive first (FAULT_FLAG_UNSHARE). */
    public static final int FLAG_UNSHARE = 2;

    public static final int OK = 0;
    public static final int SIGSEGV = 1;
    public static final int SIGBUS = 2;
    public static final int OOM = 4;
    /** The page was under migration: waited; the caller retries. */
    public static final int RETRY = 8;

    private static final long ANON_RW = Pte.WRITE | Pte.DIRTY | Pte.ACCESSED;

    private final MemorySystem sys;

    Fault(MemorySystem sys) {
        this.sys = sys;
    }

    /**
     * migration_entry_wait (pmd_migration_entry_wait over a huge entry): looks at the entry of
     * {@code addr} under its lock, then gives a migration in progress on another thread the
     * CPU. The caller then retries the access and finds the entry restored or replaced; a yield
     * stands for sleeping on the page lock.
     */
    public void waitForMigration(Mm mm, long addr) {
        mm.lockEntry(addr).unlock();
        Thread.yield();
    }

    /**
     * Whether a fault on entry {@code e} has to wait for another thread rather than be handled:
     * a migration entry (migration_entry_wait), or a swap entry whose slot reclaim is still
     * writing (do_swap_page waits on the swap-cache folio's lock). The caller waits with
     * {@link #waitForMigration} and looks again.
     */
    public boolean mustWait(long e) {
        return Pte.isMigration(e) || (Pte.isSwap(e) && !sys.swap.readable(Pte.pfn(e)));
    }

    /** Resolves a fault at {@code addr}; returns {@link #OK} or a VM_FAULT code. */
    public int handle(Vma vma, long addr, int flags) {
        sys.stats.pageFaults.incrementAndGet();
        if (vma.isHugetlb()) {
            return hugetlbFault(vma, addr, flags);
        }
        Mm mm = vma.mm;
        ReentrantLock ptl = mm.lockFault(addr); // the PTE table's lock, or the PMD lock where there is none
        int ret;
        try {
            long pmd = mm.pt.pmd(addr);
            if (Pte.leaf(pmd)) {
                ret = hugePmdFault(vma, addr, pmd, flags, ptl);
            } else if (pmd == 0 && sys.huge.thpAllowed(vma, addr)) {
                ret = sys.huge.anonymousPmdFault(vma, addr, flags);
            } else if (pmd == 0 && sys.shmemThp.mapsHuge(vma, addr)) {
                return sys.shmemThp.fault(vma, addr, flags);
            } else if (pmd == 0) {
                ret = RETRY; // pte_alloc and the PTE-level fault, below, with the new table's lock
            } else {
                return pteFaultLocked(vma, addr, flags, ptl, false); // one PTL hold for the common case
            }
        } finally {
            ptl.unlock();
        }
        if (ret >= 0 && ret != RETRY) {
            return ret;
        }
        // VM_FAULT_FALLBACK (the PMD was split, or no THP) goes on at PTE level in the same
        // fault; so does a migration PMD, for which pteFault only reports the retry
        ret = pteFault(vma, addr, flags);
        return ret == RETRY ? OK : ret;
    }

    /**
     * Faults every page of [start, end) of {@code vma} with the same flags, as a handle() call
     * per page would (hmm_vma_fault, which faults each page of its span), and stops at the first
     * failure, returning its code. Runs of unpopulated anonymous PTEs, the bulk of populating
     * fresh memory, are handled under one hold of the PTL per PMD window; every other page
     * takes {@link #handle}.
     */
    public int handleRange(Vma vma, long start, long end, int flags) {
        long addr = start;
        while (addr < end) {
            long next = Math.min((addr & PageSize.PMD_MASK) + PageSize.PMD_SIZE, end);
            long done = faultRun(vma, addr, next, flags);
            if (done < 0) {
                return (int) -done;
            }
            if (done == addr + PageSize.PAGE_SIZE && !vma.isHugetlb() && hugeLeafAllows(vma.mm, addr, flags)) {
                // the faults at the leaf's other addresses would change nothing: counted, not run
                sys.stats.pageFaults.addAndGet((next - done) >>> PageSize.PAGE_SHIFT);
                done = next;
            }
            addr = done;
        }
        return OK;
    }

    /**
     * Faults the page at {@code addr} and, when it starts a run of unpopulated anonymous PTEs,
     * the rest of that run up to {@code end} (inside one PMD window) under one PTL hold: one
     * fault counted per page faulted, as GUP's populate counts them. Returns the end of what it
     * faulted, or minus the failing VM_FAULT code.
     */
    public long faultRun(Vma vma, long addr, long end, int flags) {
        long done = vma.isAnonPrivate() ? anonymousRun(vma, addr, end, flags) : addr;
        if (done < 0) {
            return -OOM;
        }
        if (done > addr) {
            return done;
        }
        int ret = handle(vma, addr, flags);
        return ret == OK || ret == RETRY ? addr + PageSize.PAGE_SIZE : -ret;
    }

    private static boolean hugeLeafAllows(Mm mm, long addr, int flags) {
        ReentrantLock ptl = mm.lockEntry(addr);
        try {
            long pmd = mm.pt.pmd(addr);
            return Pte.leaf(pmd) && Pte.accessible(pmd) && ((flags & FLAG_WRITE) == 0 || Pte.writable(pmd));
        } finally {
            ptl.unlock();
        }
    }

    /**
     * do_anonymous_page for the leading run of none PTEs of [start, end) (one PMD window)
     * under one PTL hold; returns where the run stopped, or -1 when out of memory.
     */
    private long anonymousRun(Vma vma, long start, long end, int flags) {
        Mm mm = vma.mm;
        long addr = start;
        long faults = 0;
        long made = 0;
        long pmd = mm.pt.pmd(start);
        if (Pte.leaf(pmd) || (pmd == 0 && sys.huge.thpAllowed(vma, start))) {
            return start; // a huge leaf or a THP to allocate (seen without a lock): the general path
        }
        ReentrantLock ptl = mm.lockPte(start);
        try {
            if (Pte.leaf(mm.pt.pmd(start))) {
                return start; // a THP appeared meanwhile
            }
            int table = mm.pt.pteTable(start, false);
            long[] ptes = mm.pt.entries(table);
            for (; addr < end && ptes[PageTable.index(addr)] == 0; addr += PageSize.PAGE_SIZE) {
                faults++; // counted on entry, as handle_mm_fault counts a fault that fails too
                if (anonymousFault(vma, table, addr, flags) != OK) {
                    return -1;
                }
                made++;
            }
        } finally {
            ptl.unlock();
            sys.stats.pageFaults.addAndGet(faults);
            if ((flags & FLAG_WRITE) != 0) {
                mm.rssAnon.add(made); // once per run, as zap_pte_range adds its counts once per table
            }
        }
        return addr;
    }

    private int hugePmdFault(Vma vma, long addr, long pmd, int flags, ReentrantLock ptl) {
        if (Pte.isMigration(pmd)) {
            return RETRY;
        }
        if (Pte.isDevicePrivate(pmd)) {
            return devicePrivateFault(vma, addr, pmd, ptl);
        }
        if (Pte.protnone(pmd) && vma.has(VmFlags.ACCESS)) {
            pmd = Mprotect.adjust(vma, pmd); // do_huge_pmd_numa_page: a NUMA hint in an accessible VMA
            vma.mm.pt.setPmd(addr & PageSize.PMD_MASK, pmd);
        }
        boolean write = (flags & (FLAG_WRITE | FLAG_UNSHARE)) != 0;
        if (!write || Pte.writable(pmd)) {
            long haddr = addr & PageSize.PMD_MASK;
            vma.mm.pt.setPmd(haddr, Pte.set(pmd, Pte.ACCESSED | ((flags & FLAG_WRITE) != 0 ? Pte.DIRTY : 0)));
            return OK;
        }
        return sys.huge.pmdWriteProtectFault(vma, addr, pmd, flags);
    }

    private int pteFault(Vma vma, long addr, int flags) {
        Mm mm = vma.mm;
        boolean pmdNone = mm.pt.pmd(addr) == 0;
        ReentrantLock ptl = mm.lockPte(addr); // pte_alloc: the table exists before the fault is handled
        try {
            if (Pte.leaf(mm.pt.pmd(addr))) {
                return RETRY; // raced with a THP appearing: the caller retries
            }
            return pteFaultLocked(vma, addr, flags, ptl, pmdNone);
        } finally {
            ptl.unlock();
        }
    }

    /**
     * The PTE-level fault with the PTE table's lock {@code ptl} held and no huge leaf above
     * {@code addr}; {@code pmdNone}: the table was made for this fault.
     */
    private int pteFaultLocked(Vma vma, long addr, int flags, ReentrantLock ptl, boolean pmdNone) {
        Mm mm = vma.mm;
        int table = mm.pt.pteTable(addr, false);
        long e = PageTable.entry(mm.pt.entries(table), addr);
        if (Pte.none(e)) {
            if (vma.isSpecial()) {
                return SIGBUS; // pages come only from the driver that owns the mapping
            }
            if (vma.file != null) {
                return fileFault(vma, table, addr, flags, pmdNone);
            }
            int ret = anonymousFault(vma, table, addr, flags);
            if (ret == OK && (flags & FLAG_WRITE) != 0) {
                mm.rssAnon.increment();
            }
            return ret;
        }
        if (Pte.isSwap(e)) {
            // reclaim still writing the slot: retry, as do_swap_page waits on the swap-cache folio
            return sys.swap.readable(Pte.pfn(e)) ? swapInFault(vma, addr, e, flags, ptl) : RETRY;
        }
        if (Pte.isMigration(e)) {
            return RETRY;
        }
        if (Pte.isDeviceExclusive(e)) {
            return restoreExclusive(vma, addr, e, ptl);
        }
        if (Pte.isDevicePrivate(e)) {
            return devicePrivateFault(vma, addr, e, ptl);
        }
        if (!Pte.present(e)) {
            return SIGBUS; // device entries are resolved by their own layer
        }
        if (Pte.protnone(e)) {
            if (!vma.has(VmFlags.ACCESS)) {
                return SIGSEGV;
            }
            e = Mprotect.adjust(vma, e); // do_numa_page: a NUMA hint gets the VMA's protection back
            mm.pt.setPte(addr, e);
        }
        boolean write = (flags & FLAG_WRITE) != 0;
        if (write && !Pte.writable(e)) {
            return wpFault(vma, addr, e, flags, ptl);
        }
        if ((flags & FLAG_UNSHARE) != 0 && !Pte.writable(e) && vma.isCow()) {
            return wpFault(vma, addr, e, flags, ptl); // GUP asked: make the page this process's own
        }
        mm.pt.setPte(addr, Pte.set(e, Pte.ACCESSED | (write ? Pte.DIRTY : 0)));
        return OK;
    }

    /** do_swap_page on a device-private entry: the page's driver moves it back to RAM. */
    private int devicePrivateFault(Vma vma, long addr, long e, ReentrantLock ptl) {
        MigrateToRam driver = sys.migrateToRam(Pte.pfn(e));
        if (driver == null) {
            return SIGBUS;
        }
        ptl.unlock();
        try {
            int ret = driver.migrateToRam(vma, addr, Pte.pfn(e));
            return ret == OK ? RETRY : ret;
        } finally {
            ptl.lock(); // the caller unlocks it and touches no entry after
        }
    }

    /** remove_device_exclusive_entry: the CPU takes the page back; the device is told first. */
    private int restoreExclusive(Vma vma, long addr, long e, ReentrantLock ptl) {
        Mm mm = vma.mm;
        long page = addr & PageSize.PAGE_MASK;
        ptl.unlock();
        NotifierRange r = mm.invalidateStart(NotifierEvent.EXCLUSIVE, page, page + PageSize.PAGE_SIZE);
        ReentrantLock again = mm.lockEntry(page); // the table may have changed while unlocked
        if (mm.pt.pte(page) == e) {
            mm.pt.setPte(page, DeviceExclusive.restored(vma, e));
        }
        again.unlock();
        mm.invalidateEnd(r);
        ptl.lock(); // the caller unlocks it and touches no entry after
        return OK;
    }

    private boolean isAnonPage(int pfn) {
        return sys.phys.frames().test(pfn, PageFlags.ANON);
    }

    private int anonymousFault(Vma vma, int table, long addr, int flags) {
        Mm mm = vma.mm;
        int slot = PageTable.index(addr);
        if ((flags & FLAG_WRITE) == 0) {
            mm.pt.setEntryAt(table, slot, Pte.mk(sys.phys.zeroPfn(), Pte.SPECIAL | Pte.ACCESSED));
            return OK;
        }
        int pfn = sys.allocFolio(0);
        if (pfn < 0) {
            return OOM;
        }
        ensureAnonVma(vma);
        sys.rmap.mapNewAnonPte(pfn, vma, addr, true);
        // do_anonymous_page makes the PTE writable only with VM_WRITE: a FOLL_FORCE write into a
        // read-only VMA gets a private page mapped read-only
        mm.pt.setEntryAt(table, slot, Pte.mk(pfn, vma.has(VmFlags.WRITE) ? ANON_RW : Pte.ACCESSED));
        return OK;
    }

    void ensureAnonVma(Vma vma) {
        if (vma.anonVma == null) {
            AnonVma shared = AddressSpaceOps.mergeableAnonVma(vma);
            vma.anonVma = shared != null ? shared : sys.newAnonVma();
            vma.anonVma.add(vma);
        }
    }

    /**
     * do_read_fault / do_cow_fault / do_shared_fault on a none PTE of a file (or shmem) VMA. A
     * read fault first maps the cached pages around {@code addr} (fault-around) and is done when
     * that mapped {@code addr} too; otherwise the page is found or read in and mapped alone.
     * {@code pmdNone}: the PTE table was made for this fault, and goes again if the fault
     * fails past EOF without mapping anything (the kernel frees its preallocated table).
     */
    private int fileFault(Vma vma, int table, long addr, int flags, boolean pmdNone) {
        long index = vma.pageIndex(addr);
        Mm mm = vma.mm;
        boolean write = (flags & FLAG_WRITE) != 0;
        // fault-around maps the cached pages before EOF even when this page lies beyond it
        if (!write && faultAround(vma, table, addr, pmdNone)) {
            return OK;
        }
        if (write && !vma.has(VmFlags.SHARED)) {
            ensureAnonVma(vma); // do_cow_fault prepares it before reading the page: a fault past EOF leaves one too
        }
        if (index >= vma.file.pages()) {
            if (pmdNone) {
                mm.tryFreeEmptyPteTable(addr);
            }
            return SIGBUS; // beyond end of file
        }
        int pfn = sys.filemap.faultPage(vma, index);
        if (pfn < 0) {
            return OOM;
        }
        if (write && !vma.has(VmFlags.SHARED)) {
            return cowIntoAnon(vma, addr, pfn, 0, flags, null);
        }
        sys.rmap.addPte(pfn);
        mm.pt.setPte(addr, Pte.mk(pfn, filePteBits(vma, write)));
        mm.rssAdd(vma, 1);
        if (write) {
            sys.phys.frames().set(pfn, PageFlags.DIRTY);
        }
        return OK;
    }

    /**
     * The bits of a PTE mapping a page-cache page: read-only, except in a shared writable mapping
     * on a write, or of shmem (which needs no write notification, so its pages map writable).
     */
    static long filePteBits(Vma vma, boolean write) {
        long bits = Pte.ACCESSED;
        if (vma.has(VmFlags.SHARED) && vma.has(VmFlags.WRITE) && (write || vma.file.shmem)) {
            bits |= Pte.WRITE | (write ? Pte.DIRTY : 0);
        }
        return bits;
    }

    /**
     * do_fault_around: maps the already-cached pages of an aligned window of fault_around_bytes
     * around {@code addr}, clipped to the VMA and to this PTE table. Returns whether {@code addr}
     * itself got mapped.
     */
    private boolean faultAround(Vma vma, int table, long addr, boolean pmdNone) {
        int nr = sys.tunables().faultAroundPages();
        if (nr <= 1) {
            return false;
        }
        int pteOff = PageTable.index(addr);
        long vmaOff = (addr - vma.start) >>> PageSize.PAGE_SHIFT;
        long vmaPages = (vma.end - vma.start) >>> PageSize.PAGE_SHIFT;
        int from = (int) Math.max(pteOff & -nr, pteOff - Math.min(pteOff, vmaOff));
        int to = (int) Math.min(Math.min(from + nr, PageTable.ENTRIES), pteOff + vmaPages - vmaOff);
        long first = (addr & PageSize.PAGE_MASK) - ((long) (pteOff - from) << PageSize.PAGE_SHIFT);
        sys.filemap.mapPages(vma, table, first, to - from, pmdNone);
        return !Pte.none(PageTable.entry(vma.mm.pt.entries(table), addr));
    }

    private int swapInFault(Vma vma, long addr, long e, int flags, ReentrantLock ptl) {
        int slot = Pte.pfn(e);
        int pfn = sys.allocFolio(0);
        if (pfn < 0) {
            return OOM;
        }
        sys.swap.data().copyTo(slot, sys.phys.data(), pfn);
        boolean exclusive = (e & Pte.EXCLUSIVE) != 0 || sys.swap.count(slot) == 1;
        ensureAnonVma(vma);
        sys.rmap.mapNewAnonPte(pfn, vma, addr, exclusive);
        sys.swap.free(slot);
        boolean write = (flags & FLAG_WRITE) != 0 && exclusive;
        long entry = Pte.mk(pfn, Pte.ACCESSED | (write ? Pte.WRITE | Pte.DIRTY : 0));
        if (!vma.has(VmFlags.READ | VmFlags.WRITE | VmFlags.EXEC)) {
            entry = Mprotect.adjust(vma, entry); // mk_pte(vm_page_prot): MADV_COLLAPSE swaps in under PROT_NONE
        }
        vma.mm.pt.setPte(addr, entry);
        vma.mm.rssAnon.increment();
        sys.stats.pswpin.incrementAndGet();
        if ((flags & FLAG_WRITE) != 0 && !exclusive) {
            return wpFault(vma, addr, vma.mm.pt.pte(addr), flags, ptl);
        }
        return OK;
    }

    /** do_wp_page: a write (or unshare) on a present, read-only PTE. */
    private int wpFault(Vma vma, long addr, long e, int flags, ReentrantLock ptl) {
        int pfn = Pte.pfn(e);
        Mm mm = vma.mm;
        PageFrames f = sys.phys.frames();
        if (vma.has(VmFlags.SHARED)) {
            mm.pt.setPte(addr, Pte.set(e, Pte.WRITE | Pte.DIRTY | Pte.ACCESSED));
            f.set(pfn, PageFlags.DIRTY);
            return OK;
        }
        if (!Pte.special(e) && isAnonPage(pfn)) {
            int head = f.head(pfn);
            boolean reuse = f.test(head, PageFlags.ANON_EXCLUSIVE)
                    || (f.order(head) == 0 && f.refcount(head) == 1 && f.pteMapcount(head) == 1)
                    || (f.order(head) > 0 && sys.rmap.largeFolioOwnedBy(mm, head));
            if (reuse) {
                f.set(head, PageFlags.ANON_EXCLUSIVE);
                if ((flags & FLAG_UNSHARE) != 0) {
                    return OK; // unsharing only marks the page exclusive; the PTE stays read-only
                }
                long bits = Pte.ACCESSED | ((flags & FLAG_WRITE) != 0 ? Pte.DIRTY : 0);
                if (vma.has(VmFlags.WRITE)) {
                    bits |= Pte.WRITE;
                }
                mm.pt.setPte(addr, Pte.set(e, bits));
                return OK;
            }
        }
        return cowIntoAnon(vma, addr, Pte.special(e) ? -1 : pfn, e, flags, ptl);
    }

    /**
     * wp_page_copy: a new anonymous page with the old one's contents (zero for the zero page)
     * replaces the mapping; the old page loses this mapping. Invalidates the page first, with
     * {@code ptl} (held by the caller) dropped meanwhile; none is dropped when nothing is replaced.
     */
    private int cowIntoAnon(Vma vma, long addr, int oldPfn, long oldEntry, int flags, ReentrantLock ptl) {
        Mm mm = vma.mm;
        PhysicalMemory phys = sys.phys;
        int pfn = sys.allocFolio(0);
        if (pfn < 0) {
            return OOM;
        }
        if (oldPfn >= 0) {
            phys.data().copyTo(oldPfn, phys.data(), pfn);
        }
        ensureAnonVma(vma);
        sys.rmap.newAnon(pfn, vma, addr, true);
        long page = addr & PageSize.PAGE_MASK;
        if (oldEntry != 0) {
            ptl.unlock();
            NotifierRange r = mm.invalidateStart(NotifierEvent.CLEAR, page, page + PageSize.PAGE_SIZE);
            ReentrantLock again = mm.lockEntry(page); // the table may have changed while unlocked
            if (mm.pt.pte(page) == oldEntry) {
                replaceAfterCopy(vma, page, oldEntry, pfn, flags);
            }
            again.unlock();
            mm.invalidateEnd(r);
            ptl.lock(); // the caller unlocks it and touches no entry after
        } else {
            replaceAfterCopy(vma, page, 0, pfn, flags);
        }
        phys.put(pfn);
        sys.stats.cowCopies.incrementAndGet();
        return OK;
    }

    private void replaceAfterCopy(Vma vma, long page, long oldEntry, int newPfn, int flags) {
        Mm mm = vma.mm;
        long bits = Pte.ACCESSED;
        if ((flags & FLAG_WRITE) != 0) {
            bits |= Pte.DIRTY;
        }
        if (vma.has(VmFlags.WRITE) && (flags & FLAG_UNSHARE) == 0) {
            bits |= Pte.WRITE | Pte.DIRTY; // an unshare copy is mapped read-only, like the page it replaces
        }
        sys.rmap.addPte(newPfn);
        mm.pt.setPte(page, Pte.mk(newPfn, bits));
        if (oldEntry != 0 && !Pte.special(oldEntry)) {
            int old = Pte.pfn(oldEntry);
            if (!isAnonPage(old)) {
                mm.rssAdd(vma, -1);
            } else {
                mm.rssAnon.decrement();
            }
            sys.rmap.removePte(old);
        }
        mm.rssAnon.increment();
    }

    private int hugetlbFault(Vma vma, long addr, int flags) {
        Mm mm = vma.mm;
        int order = vma.pageShift - PageSize.PAGE_SHIFT;
        long size = 1L << vma.pageShift;
        long haddr = addr & -size;
        boolean pud = vma.pageShift == PageSize.PUD_SHIFT;
        ReentrantLock ptl = pud ? mm.pudLock() : mm.pmdLock(haddr); // huge_pte_lock
        try {
            long e = pud ? mm.pt.pud(haddr) : mm.pt.pmd(haddr);
            boolean write = (flags & FLAG_WRITE) != 0;
            if (e == 0) {
                int pfn = vma.has(VmFlags.SHARED) ? sys.filemap.getHugetlbPage(vma.file, vma.pageIndex(haddr), order)
                        : sys.phys.allocHugetlb(order);
                if (pfn < 0) {
                    return SIGBUS; // the pool is empty
                }
                long bits = Pte.HUGE | Pte.ACCESSED;
                if (vma.has(VmFlags.SHARED)) {
                    if (vma.has(VmFlags.WRITE)) {
                        bits |= Pte.WRITE | (write ? Pte.DIRTY : 0);
                    }
                    sys.rmap.addEntire(pfn);
                } else {
                    ensureAnonVma(vma);
                    sys.rmap.mapNewAnonEntire(pfn, vma, haddr);
                    if (vma.has(VmFlags.WRITE) && write) {
                        bits |= Pte.WRITE | Pte.DIRTY;
                    }
                }
                setHugeLeaf(mm, pud, haddr, Pte.mk(pfn, bits));
                return OK;
            }
            boolean unshare = (flags & FLAG_UNSHARE) != 0 && vma.isCow();
            if (!(write || unshare) || Pte.writable(e)) {
                return OK;
            }
            return hugetlbWp(vma, haddr, e, order, pud, write, ptl);
        } finally {
            ptl.unlock();
        }
    }

    private static void setHugeLeaf(Mm mm, boolean pud, long haddr, long e) {
        if (pud) {
            mm.pt.setPud(haddr, e);
        } else {
            mm.pt.setPmd(haddr, e);
        }
    }

    /**
     * hugetlb_wp: reuse an exclusive private hugetlb page, else copy the whole huge page. An
     * unshare ({@code write} false) only needs the page exclusive: nothing to do for one that
     * is, and a copy is mapped read-only.
     */
    private int hugetlbWp(Vma vma, long haddr, long e, int order, boolean pud, boolean write, ReentrantLock ptl) {
        Mm mm = vma.mm;
        int pfn = Pte.pfn(e);
        if (vma.has(VmFlags.SHARED) || sys.rmap.anonExclusive(pfn)) {
            if (write) {
                setHugeLeaf(mm, pud, haddr, Pte.set(e, Pte.WRITE | Pte.DIRTY));
            }
            return OK;
        }
        int copy = sys.phys.allocHugetlb(order);
        if (copy < 0) {
            return SIGBUS;
        }
        int n = 1 << order;
        for (int i = 0; i < n; i++) {
            sys.phys.data().copyTo(pfn + i, sys.phys.data(), copy + i);
        }
        sys.rmap.newAnon(copy, vma, haddr, true);
        ptl.unlock();
        NotifierRange r = mm.invalidateStart(NotifierEvent.CLEAR, haddr, haddr + ((long) n << PageSize.PAGE_SHIFT));
        ptl.lock(); // a hugetlb leaf's lock stays where it is: its PMD table is never freed under a live VMA
        sys.rmap.addEntire(copy);
        sys.phys.put(copy);
        setHugeLeaf(mm, pud, haddr, Pte.mk(copy, Pte.HUGE | Pte.ACCESSED | (write ? Pte.WRITE | Pte.DIRTY : 0)));
        sys.rmap.removeEntire(pfn);
        ptl.unlock();
        mm.invalidateEnd(r);
        ptl.lock();
        sys.stats.cowCopies.incrementAndGet();
        return OK;
    }
}
