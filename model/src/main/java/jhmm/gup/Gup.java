package jhmm.gup;

import jhmm.base.Errno;
import jhmm.base.PageSize;
import jhmm.mm.Fault;
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
    private static final int MAX_TRIES = 64;

    private Gup() {}

    /** get_user_pages: the caller holds the mmap lock for reading. */
    public static long getUserPages(Mm mm, long start, int nrPages, int gupFlags, int[] pages) {
        return slow(mm, start, nrPages, (gupFlags & ~Foll.PIN) | Foll.GET, pages, 0);
    }

    /** pin_user_pages: the caller holds the mmap lock for reading. */
    public static long pinUserPages(Mm mm, long start, int nrPages, int gupFlags, int[] pages) {
        return slow(mm, start, nrPages, (gupFlags & ~Foll.GET) | Foll.PIN, pages, 0);
    }

    /** get_user_pages_fast: lockless for what is already mapped as needed, then the slow path. */
    public static long getUserPagesFast(Mm mm, long start, int nrPages, int gupFlags, int[] pages) {
        return fast(mm, start, nrPages, (gupFlags & ~Foll.PIN) | Foll.GET, pages);
    }

    /** pin_user_pages_fast. */
    public static long pinUserPagesFast(Mm mm, long start, int nrPages, int gupFlags, int[] pages) {
        return fast(mm, start, nrPages, (gupFlags & ~Foll.GET) | Foll.PIN, pages);
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
        int got = 0;
        for (; got < nrPages; got++) {
            long addr = start + ((long) got << PageSize.PAGE_SHIFT);
            long e = PageStates.entryAt(mm, addr);
            if (!usableWithoutFault(mm, e, flags)) {
                break;
            }
            take(mm, e, flags);
            if (PageStates.entryAt(mm, addr) != e) {
                release(mm.system().phys(), Pte.pfn(e), flags); // changed under us: drop it, go slow
                break;
            }
            pages[got] = Pte.pfn(e);
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

    /** What the lockless walk accepts: a normal page mapped with the access needed, nothing to migrate. */
    private static boolean usableWithoutFault(Mm mm, long e, int flags) {
        if (!Pte.accessible(e) || Pte.special(e) || ((flags & Foll.WRITE) != 0 && !Pte.writable(e))) {
            return false;
        }
        return (flags & Foll.LONGTERM) == 0 || mm.system().phys().pgmap(Pte.pfn(e)) == null;
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
                return got == 0 ? pfn : got;
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
        for (int tries = 0; tries < MAX_TRIES; tries++) {
            long e = FollowPage.entry(mm, addr);
            if (Pte.present(e) && Pte.special(e) && !sys.phys().isZeroPfn(Pte.pfn(e))) {
                return -Errno.EFAULT; // no struct page behind it
            }
            int faultFlags = faultNeeded(mm, vma, e, flags);
            if (faultFlags < 0) {
                if ((flags & Foll.LONGTERM) != 0 && isCoherent(sys, Pte.pfn(e))) {
                    migrateCoherentOut(sys, Pte.pfn(e));
                    continue;
                }
                take(mm, e, flags);
                return Pte.pfn(e);
            }
            if ((flags & Foll.NOFAULT) != 0) {
                return -Errno.EFAULT;
            }
            if ((flags & Foll.NOWAIT) != 0 && Pte.isSwap(e)) {
                return -Errno.EAGAIN;
            }
            if (Pte.isMigration(e)) {
                // the fault would wait for the migration to end (migration_entry_wait): no try is spent
                sys.faultHandler().waitForMigration();
                tries--;
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
        return -Errno.EFAULT;
    }

    /** check_vma_flags. */
    static int checkVma(Vma vma, int flags) {
        if (vma == null || vma.has(VmFlags.IO | VmFlags.PFNMAP)) {
            return -Errno.EFAULT;
        }
        boolean write = (flags & Foll.WRITE) != 0;
        boolean force = (flags & Foll.FORCE) != 0;
        if (write && !vma.has(VmFlags.WRITE) && (!force || !vma.isCow())) {
            return -Errno.EFAULT; // FOLL_FORCE writes only private mappings that may be written
        }
        if (!vma.has(VmFlags.READ) && (!force || !vma.has(VmFlags.MAYREAD))) {
            return -Errno.EFAULT;
        }
        return 0;
    }

    /**
     * -1 when the entry can be taken as is; otherwise the fault flags that make it so
     * (follow_page_mask failing, then faultin_page).
     */
    static int faultNeeded(Mm mm, Vma vma, long e, int flags) {
        boolean write = (flags & Foll.WRITE) != 0;
        if (!Pte.accessible(e)) {
            return write ? Fault.FLAG_WRITE : 0;
        }
        PageFrames f = mm.system().phys().frames();
        int pfn = Pte.pfn(e);
        boolean anon = !Pte.special(e) && f.test(f.head(pfn), PageFlags.ANON);
        boolean exclusive = anon && f.test(f.head(pfn), PageFlags.ANON_EXCLUSIVE);
        if (write && !Pte.writable(e)) {
            // a FOLL_FORCE write may use the private copy it made, though the PTE stays read-only
            boolean forcedCopy = (flags & Foll.FORCE) != 0 && exclusive && !vma.has(VmFlags.WRITE);
            return forcedCopy ? -1 : Fault.FLAG_WRITE;
        }
        if ((flags & Foll.PIN) != 0 && anon && !exclusive) {
            return Fault.FLAG_UNSHARE; // the pinned page must be this process's own
        }
        if (write && Pte.special(e)) {
            return Fault.FLAG_WRITE; // never pin the zero page for writing
        }
        return -1;
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
