package jhmm.gup;

import java.util.concurrent.locks.ReentrantLock;
import jhmm.base.Errno;
import jhmm.base.PageSize;
import jhmm.mm.Fault;
import jhmm.mm.FaultRetry;
import jhmm.mm.MemorySystem;
import jhmm.mm.MigrateDevice;
import jhmm.mm.MigrateVma;
import jhmm.mm.Mm;
import jhmm.mm.PageStates;
import jhmm.mm.Pte;
import jhmm.mm.Vma;
import jhmm.mm.VmFlags;
import jhmm.phys.DevPagemap;
import jhmm.phys.PageFlags;
import jhmm.phys.PageFrames;
import jhmm.phys.PhysicalMemory;

/**
 * get_user_pages and pin_user_pages (mm/gup.c): for each page, check the VMA, follow the page
 * table through the page-walk core HMM uses ({@link FollowPage}), fault when the entry does not allow the access (COW for writes, unshare for pins of
 * shared anonymous pages, swap-in, device-private pages back to RAM), then take a reference
 * or a pin. Returns the pages obtained, stopping at the first failure; -errno only when the
 * first page fails. The fast variants first try a lockless walk of the page table alone (no
 * VMAs, as GUP-fast does), then fall back to the slow path.
 */
public final class Gup {

    private Gup() {}

    /** get_user_pages: the caller holds the mmap lock for reading; -EINVAL for flags it refuses. */
    public static long getUserPages(Mm mm, long start, int nrPages, int gupFlags, int[] pages) {
        int flags = GupArgs.withEntryFlag(gupFlags, Foll.GET);
        return flags == GupArgs.INVALID ? -Errno.EINVAL : slow(mm, start, nrPages, flags, pages, 0);
    }

    /** pin_user_pages: the caller holds the mmap lock for reading; 0 for flags it refuses. */
    public static long pinUserPages(Mm mm, long start, int nrPages, int gupFlags, int[] pages) {
        int flags = GupArgs.withEntryFlag(gupFlags, Foll.PIN);
        if (flags == GupArgs.INVALID) {
            return 0;
        }
        mm.setHasPinned();
        return slow(mm, start, nrPages, flags, pages, 0);
    }

    /** get_user_pages_fast: lockless for what is already mapped as needed, then the slow path. */
    public static long getUserPagesFast(Mm mm, long start, int nrPages, int gupFlags, int[] pages) {
        int flags = GupArgs.withEntryFlag(gupFlags, Foll.GET);
        return flags == GupArgs.INVALID ? -Errno.EINVAL : fast(mm, start, nrPages, flags, pages);
    }

    /** pin_user_pages_fast: 0 for flags is_valid_gup_args refuses. */
    public static long pinUserPagesFast(Mm mm, long start, int nrPages, int gupFlags, int[] pages) {
        int flags = GupArgs.withEntryFlag(gupFlags, Foll.PIN);
        return flags == GupArgs.INVALID ? 0 : fast(mm, start, nrPages, flags, pages);
    }

    /**
     * get_dump_page: the page at {@code addr} with a FOLL_GET reference, for a core dump, or -1
     * (a hole in the dump) whatever made it fail. Takes the mmap lock itself.
     */
    public static int getDumpPage(Mm mm, long addr) {
        int[] page = new int[1];
        mm.mmapLock().readLock().lock();
        try {
            return slow(mm, addr & PageSize.PAGE_MASK, 1, Foll.FORCE | Foll.DUMP | Foll.GET, page, 0) == 1 ? page[0] : -1;
        } finally {
            mm.mmapLock().readLock().unlock();
        }
    }

    /** unpin_user_page: reverses exactly one pin. */
    public static void unpinUserPage(PhysicalMemory phys, int pfn) {
        phys.unpin(pfn);
    }

    /** unpin_user_pages_dirty_lock: marks each page dirty first when asked. */
    public static void unpinUserPagesDirtyLock(PhysicalMemory phys, int[] pages, int n, boolean makeDirty) {
        PageFrames f = phys.frames();
        for (int i = 0; i < n; ) {
            // the pages that follow in the same folio go in one step, as gup_folio_range_next groups them
            int first = pages[i];
            int folioEnd = f.head(first) + f.nrPages(first);
            int run = 1;
            while (i + run < n && pages[i + run] == first + run && first + run < folioEnd) {
                run++;
            }
            if (makeDirty) {
                for (int k = i; k < i + run; k++) {
                    f.set(pages[k], PageFlags.DIRTY);
                }
            }
            phys.unpinPages(pages[i], run);
            i += run;
        }
    }

    /** put_page for a FOLL_GET reference. */
    public static void putPage(PhysicalMemory phys, int pfn) {
        phys.putExternal(pfn);
    }

    private static long fast(Mm mm, long start, int nrPages, int flags, int[] pages) {
        if (!GupArgs.fastAccepts(flags)) {
            return -Errno.EINVAL;
        }
        boolean pin = (flags & Foll.PIN) != 0;
        int seq = 0;
        if (pin) {
            mm.setHasPinned();
            seq = mm.writeProtectSeq();
        }
        // a pin must not race with fork write-protecting pages (write_protect_seq): while fork
        // runs, or if it ran meanwhile, the lockless walk keeps nothing and the slow path,
        // which waits for fork's mmap lock, does it all
        int got = pin && (seq & 1) != 0 ? 0 : lockless(mm, start, nrPages, flags, pages);
        if (pin && got > 0 && mm.writeProtectSeq() != seq) {
            for (int i = 0; i < got; i++) {
                release(mm.system().phys(), pages[i], flags);
            }
            got = 0;
        }
        if (got == nrPages) {
            return got;
        }
        mm.mmapLock().readLock().lock();
        try {
            long more = slow(mm, start, nrPages, flags, pages, got);
            return more < 0 && got > 0 ? got : more;
        } finally {
            mm.mmapLock().readLock().unlock();
        }
    }

    /** The lockless walk: takes pages from the start while they need no fault; returns how many. */
    private static int lockless(Mm mm, long start, int nrPages, int flags, int[] pages) {
        int got = 0;
        for (; got < nrPages; got++) {
            long addr = start + ((long) got << PageSize.PAGE_SHIFT);
            long e = PageStates.entryAt(mm, addr);
            if (!usableWithoutFault(mm.system().phys(), e, flags)) {
                break;
            }
            if (!mm.system().phys().tryGrab(Pte.pfn(e), (flags & Foll.PIN) != 0)) {
                break; // freed meanwhile: the slow path looks again
            }
            if (PageStates.entryAt(mm, addr) != e) {
                release(mm.system().phys(), Pte.pfn(e), flags); // changed under us: drop it, go slow
                break;
            }
            pages[got] = Pte.pfn(e);
        }
        return got;
    }

    /**
     * What the lockless walk accepts: a normal page mapped with the access needed (no PROT_NONE,
     * no special entry, the zero page included), pinnable for as long as asked, and one a
     * read-only pin need not unshare; the rest is left to the slow path.
     */
    private static boolean usableWithoutFault(PhysicalMemory phys, long e, int flags) {
        if (!Pte.accessible(e) || Pte.special(e) || ((flags & Foll.WRITE) != 0 && !Pte.writable(e))) {
            return false;
        }
        int pfn = Pte.pfn(e);
        if ((flags & Foll.LONGTERM) != 0 && phys.pgmap(pfn) != null) {
            return false;
        }
        return !longtermWriteOfTrackedFile(phys.frames(), pfn, flags) && !mustUnshare(null, phys.frames(), e, flags);
    }

    /**
     * gup_fast_folio_allowed: a long-term writable pin of a page-cache folio that needs dirty
     * tracking (not shmem, not hugetlb) is left to the slow path, which sees the VMA.
     */
    private static boolean longtermWriteOfTrackedFile(PageFrames f, int pfn, int flags) {
        int all = Foll.PIN | Foll.LONGTERM | Foll.WRITE;
        return (flags & all) == all && !f.test(f.head(pfn), PageFlags.ANON | PageFlags.SWAPBACKED | PageFlags.HUGETLB);
    }

    /**
     * gup_must_unshare: a read-only pin must not hold a page the process shares. An anonymous
     * page must be exclusive; any other page (page cache, the zero page) is unshared only for a
     * long-term pin in a COW mapping ({@code vma} is null in the lockless walk, which cannot
     * tell: it leaves every such page to the slow path). A writable PTE never needs it.
     */
    static boolean mustUnshare(Vma vma, PageFrames f, long e, int flags) {
        if ((flags & (Foll.WRITE | Foll.PIN)) != Foll.PIN || Pte.writable(e)) {
            return false;
        }
        int head = f.head(Pte.pfn(e));
        if (Pte.special(e) || !f.test(head, PageFlags.ANON)) {
            return (flags & Foll.LONGTERM) != 0 && (vma == null || vma.isCow());
        }
        return !f.test(head, PageFlags.ANON_EXCLUSIVE);
    }

    private static long slow(Mm mm, long start, int nrPages, int flags, int[] pages, int from) {
        int got = from;
        while (got < nrPages) {
            got = PresentPages.take(mm, start, got, nrPages, flags, pages);
            if (got == nrPages) {
                break;
            }
            int pfn = onePage(mm, start + ((long) got << PageSize.PAGE_SHIFT), flags);
            if (pfn < 0) {
                // FOLL_NOWAIT: a fault that would wait ends the call without an errno
                return got > 0 || pfn == -Errno.EBUSY ? got : pfn;
            }
            pages[got++] = pfn;
        }
        return got;
    }

    /** __get_user_pages for one address: the frame referenced or pinned, or -errno. */
    private static int onePage(Mm mm, long addr, int flags) {
        Vma vma = mm.findVma(addr);
        int err = checkVma(vma, flags);
        if (err != 0) {
            return err;
        }
        MemorySystem sys = mm.system();
        long since = 0;
        for (int tries = 0; ; tries++) {
            since = FaultRetry.pause(tries, since, addr);
            long e = FollowPage.entry(mm, addr);
            if ((flags & Foll.DUMP) != 0 && leftOutOfDump(vma, e)) {
                return -Errno.EFAULT;
            }
            if (Pte.present(e) && Pte.special(e) && !sys.phys().isZeroPfn(Pte.pfn(e))) {
                return -Errno.EEXIST; // follow_pfn_pte: no struct page to put in pages[]
            }
            int faultFlags = faultNeeded(mm, vma, e, flags);
            if (faultFlags < 0) {
                if ((flags & Foll.LONGTERM) != 0 && isCoherent(sys, Pte.pfn(e))) {
                    migrateCoherentOut(sys, Pte.pfn(e));
                    continue;
                }
                if (!takeIfUnchanged(mm, addr, e, flags)) {
                    continue;
                }
                return Pte.pfn(e);
            }
            if ((flags & Foll.NOFAULT) != 0) {
                return -Errno.EFAULT;
            }
            if ((flags & Foll.NOWAIT) != 0 && Pte.isSwap(e)) {
                return -Errno.EBUSY; // faultin_page: the swap-in would wait for I/O
            }
            if (sys.faultHandler().mustWait(e)) {
                // the fault would wait for the migration or swap write to end (migration_entry_wait)
                sys.faultHandler().waitForMigration(mm, addr);
                continue;
            }
            int ret = sys.faultHandler().handle(vma, addr, faultFlags);
            if (ret == Fault.OOM) {
                return -Errno.ENOMEM;
            }
            if (ret != Fault.OK && ret != Fault.RETRY) {
                return -Errno.EFAULT;
            }
        }
    }

    /**
     * FOLL_DUMP (follow_page_mask, no_page_table): a hole of an anonymous VMA is not faulted in
     * and a special entry (the zero page among them) is not handed out.
     */
    private static boolean leftOutOfDump(Vma vma, long e) {
        return (e == 0 && vma.file() == null) || (Pte.present(e) && Pte.special(e));
    }

    /** check_vma_flags. */
    static int checkVma(Vma vma, int flags) {
        if (vma == null || vma.has(VmFlags.IO | VmFlags.PFNMAP)) {
            return -Errno.EFAULT;
        }
        boolean force = (flags & Foll.FORCE) != 0;
        if ((flags & Foll.WRITE) != 0) {
            if (needsDirtyTracking(vma) && (flags & (Foll.PIN | Foll.LONGTERM)) == (Foll.PIN | Foll.LONGTERM)) {
                return -Errno.EFAULT; // writable_file_mapping_allowed
            }
            if (!vma.has(VmFlags.WRITE) && (!force || !vma.isCow())) {
                return -Errno.EFAULT; // FOLL_FORCE writes only private mappings that may be written
            }
        } else if (!vma.has(VmFlags.READ) && (!force || !vma.has(VmFlags.MAYREAD))) {
            return -Errno.EFAULT; // the read test applies to reads only
        }
        return 0;
    }

    /** vma_needs_dirty_tracking: a shared writable mapping of a file with writeback (not shmem, not hugetlbfs). */
    private static boolean needsDirtyTracking(Vma vma) {
        return vma.has(VmFlags.SHARED) && vma.has(VmFlags.WRITE) && vma.file() != null && !vma.file().isShmem() && !vma.isHugetlb();
    }

    /**
     * -1 when the entry can be taken as is; otherwise the fault flags that make it so
     * (follow_page_mask failing, then faultin_page).
     */
    static int faultNeeded(Mm mm, Vma vma, long e, int flags) {
        boolean write = (flags & Foll.WRITE) != 0;
        if (!Pte.accessible(e) && (write || !protNoneVma(vma, e))) {
            return write ? Fault.FLAG_WRITE : 0;
        }
        PageFrames f = mm.system().phys().frames();
        int pfn = Pte.pfn(e);
        if (write && !Pte.writable(e)) {
            // a FOLL_FORCE write may use the private copy it made, though the PTE stays read-only
            int head = f.head(pfn);
            boolean exclusive = !Pte.special(e) && f.test(head, PageFlags.ANON) && f.test(head, PageFlags.ANON_EXCLUSIVE);
            boolean forcedCopy = (flags & Foll.FORCE) != 0 && exclusive && !vma.has(VmFlags.WRITE);
            return forcedCopy ? -1 : Fault.FLAG_WRITE;
        }
        if (mustUnshare(vma, f, e, flags)) {
            return Fault.FLAG_UNSHARE; // the pinned page must be this process's own
        }
        if (write && Pte.special(e)) {
            return Fault.FLAG_WRITE; // never pin the zero page for writing
        }
        return -1;
    }

    /**
     * gup_can_follow_protnone: in a VMA without access rights (read with FOLL_FORCE) a PROT_NONE
     * entry is the VMA's own protection, not a NUMA hint, and the page is taken as it is.
     */
    private static boolean protNoneVma(Vma vma, long e) {
        return Pte.protnone(e) && !vma.has(VmFlags.ACCESS);
    }

    private static boolean isCoherent(MemorySystem sys, int pfn) {
        DevPagemap m = sys.phys().pgmap(pfn);
        return m != null && m.type() == DevPagemap.Type.COHERENT;
    }

    /** migrate_device_coherent_folio: a long-term pin must not hold device memory. */
    private static void migrateCoherentOut(MemorySystem sys, int pfn) {
        int head = sys.phys().frames().head(pfn);
        long[] src = new long[1];
        long[] dst = new long[1];
        if (MigrateDevice.deviceRange(sys, src, head, 1) == 0) {
            MigrateDevice.deviceFinalize(sys, src, dst, 1);
            return;
        }
        int to = sys.allocSystemFolio(sys.phys().frames().order(head));
        if (to >= 0) {
            for (int k = 0; k < sys.phys().frames().nrPages(head); k++) {
                sys.phys().data().copyTo(head + k, sys.phys().data(), to + k);
            }
            dst[0] = MigrateVma.entry(to) | (src[0] & (MigrateVma.WRITE | MigrateVma.COMPOUND));
        }
        MigrateDevice.devicePages(sys, src, dst, 1);
        MigrateDevice.deviceFinalize(sys, src, dst, 1);
    }

    /**
     * Takes the page of entry {@code e} under the lock of its entry, as follow_page_pte grabs the
     * folio: unless the entry changed since it was read (a zap, reclaim or migration on another
     * thread), in which case the frame may already be free and nothing is taken.
     */
    private static boolean takeIfUnchanged(Mm mm, long addr, long e, int flags) {
        ReentrantLock ptl = mm.lockEntry(addr);
        try {
            if (FollowPage.entry(mm, addr) != e) {
                return false;
            }
            take(mm, e, flags);
            return true;
        } finally {
            ptl.unlock();
        }
    }

    /** try_grab_folio: a reference or a pin on the page's folio. */
    private static void take(Mm mm, long e, int flags) {
        PhysicalMemory phys = mm.system().phys();
        int pfn = Pte.pfn(e);
        if ((flags & Foll.PIN) != 0) {
            phys.pin(pfn);
        } else {
            phys.getExternal(pfn);
        }
    }

    private static void release(PhysicalMemory phys, int pfn, int flags) {
        if ((flags & Foll.PIN) != 0) {
            phys.unpin(pfn);
        } else {
            phys.putExternal(pfn);
        }
    }
}
