package jhmm.mm;

import java.util.Arrays;
import java.util.concurrent.locks.ReentrantLock;
import jhmm.base.Errno;
import jhmm.base.PageSize;
import jhmm.phys.DevPagemap;
import jhmm.phys.PageFlags;
import jhmm.phys.PageFrames;
import jhmm.phys.PhysicalMemory;

/**
 * Moving pages between system and device memory (mm/migrate_device.c): migrate_vma_setup,
 * _pages and _finalize for a range of a VMA, and migrate_device_range for a range of device
 * frames (eviction). Between setup and finalize every collected page is isolated (one extra
 * reference), locked (the folio lock, which reclaim and other migrations respect) and mapped
 * only by migration entries; the driver allocates destinations and copies the data in between.
 */
public final class MigrateDevice {
    private static final int NR = PageSize.HPAGE_PMD_NR;

    private MigrateDevice() {}

    /**
     * migrate_vma_setup: masks start and end down to pages, validates the request, raises a
     * MIGRATE invalidation owned by {@code pgmapOwner}, collects the pages the selection flags
     * ask for (holes of anonymous VMAs whatever the flags, the zero page with SELECT_SYSTEM, as
     * "no source page" entries) and unmaps them; an entry that cannot be collected or unmapped
     * is 0. Returns 0 or -EINVAL. The caller holds the mmap lock for reading.
     */
    public static int setup(MigrateVma m) {
        Vma vma = m.vma;
        m.start &= PageSize.PAGE_MASK;
        m.end &= PageSize.PAGE_MASK;
        if (vma == null || vma.isHugetlb() || vma.isSpecial() || m.start >= m.end || m.start < vma.start
                || m.end > vma.end || m.src == null || m.dst == null || !validFaultPage(vma.mm.sys, m.faultPage)) {
            return -Errno.EINVAL;
        }
        m.npages = (int) ((m.end - m.start) >>> PageSize.PAGE_SHIFT);
        Arrays.fill(m.src, 0);
        Arrays.fill(m.dst, 0);
        m.cpages = 0;
        Mm mm = vma.mm;
        NotifierRange r = mm.invalidateStart(NotifierEvent.MIGRATE, m.start, m.end, m.pgmapOwner);
        for (int i = 0; i < m.npages; ) {
            i = collectWindow(m, i);
        }
        mm.invalidateEnd(r);
        for (int i = 0; i < m.npages; i++) {
            if (MigrateVma.valid(m.src[i]) && !unmapElsewhere(mm.sys, m.src, i)) {
                m.cpages--;
            }
        }
        return 0;
    }

    /** A fault page, when there is one, must be a device-private page. */
    private static boolean validFaultPage(MemorySystem sys, int faultPage) {
        if (faultPage < 0) {
            return true;
        }
        DevPagemap pgmap = sys.phys.pgmap(faultPage);
        return pgmap != null && pgmap.type() == DevPagemap.Type.PRIVATE;
    }

    /** Collects the PMD window starting at slot {@code i}; returns the next slot. */
    private static int collectWindow(MigrateVma m, int i) {
        Vma vma = m.vma;
        Mm mm = vma.mm;
        MemorySystem sys = mm.sys;
        long a = m.start + ((long) i << PageSize.PAGE_SHIFT);
        long windowEnd = Math.min((a & PageSize.PMD_MASK) + PageSize.PMD_SIZE, m.end);
        int next = i + (int) ((windowEnd - a) >>> PageSize.PAGE_SHIFT);
        boolean whole = (m.flags & MigrateVma.SELECT_COMPOUND) != 0 && (a & ~PageSize.PMD_MASK) == 0
                && a + PageSize.PMD_SIZE <= m.end;
        long pmd = readPmd(mm, a);
        if (Pte.leaf(pmd)) {
            if (Pte.isMigration(pmd)) {
                return next;
            }
            int pfn = Pte.pfn(pmd);
            boolean zero = Pte.present(pmd) && pfn == sys.phys.hugeZeroPfn();
            if (whole && zero && (m.flags & MigrateVma.SELECT_SYSTEM) != 0) {
                m.src[i] = MigrateVma.MIGRATE | MigrateVma.COMPOUND;
                m.cpages++;
                return next;
            }
            if (whole && !zero && selectable(m, pfn) && isolateMapping(m, i, a, true)) {
                return next;
            }
            if (zero ? (m.flags & MigrateVma.SELECT_SYSTEM) == 0 : !selectable(m, pfn)) {
                return next; // migrate_vma_collect_huge_pmd skips a PMD it does not select, unsplit
            }
            sys.huge.splitPmd(vma, a & PageSize.PMD_MASK);
            if (!zero) {
                splitLocked(sys, pfn);
            }
        } else if (pmd == 0 && whole && vma.file == null) {
            m.src[i] = MigrateVma.MIGRATE | MigrateVma.COMPOUND; // an empty block, kept whole
            m.cpages++;
            return next;
        }
        for (int j = i; j < next; j++) {
            collectPte(m, j, m.start + ((long) j << PageSize.PAGE_SHIFT));
        }
        return next;
    }

    private static void collectPte(MigrateVma m, int i, long addr) {
        Vma vma = m.vma;
        MemorySystem sys = vma.mm.sys;
        long e = vma.mm.readPte(addr);
        boolean system = (m.flags & MigrateVma.SELECT_SYSTEM) != 0;
        if (Pte.none(e)) {
            if (vma.file == null) { // migrate_vma_collect_hole: any selection, anonymous VMAs only
                m.src[i] = MigrateVma.MIGRATE;
                m.cpages++;
            }
            return;
        }
        if (Pte.present(e) && Pte.special(e)) {
            if (system && sys.phys.isZeroPfn(Pte.pfn(e))) {
                m.src[i] = MigrateVma.MIGRATE;
                m.cpages++;
            }
            return;
        }
        if (!Pte.present(e) && !Pte.isDevicePrivate(e)) {
            return; // swap, migration and device-exclusive entries stay where they are
        }
        int pfn = Pte.pfn(e);
        PageFrames f = sys.phys.frames();
        if (!selectable(m, pfn) || !f.test(f.head(pfn), PageFlags.ANON | PageFlags.PAGECACHE)) {
            return; // a page without a mapping is not collected; file and shmem pages are, like anonymous ones
        }
        if (f.isLarge(pfn) && splitLocked(sys, pfn) < 0) {
            return; // a large folio mapped by PTEs that cannot be split (or is locked) is left alone
        }
        isolateMapping(m, i, addr, false);
    }

    /**
     * split_folio under the folio lock, as migrate_vma_collect_pmd takes it: -EAGAIN when
     * someone else holds the lock (a reclaim or migration of the folio, which may be splitting
     * it too).
     */
    private static int splitLocked(MemorySystem sys, int pfn) {
        PageFrames f = sys.phys.frames();
        int head = f.head(pfn);
        if (!f.refTryGet(head)) {
            return -Errno.EAGAIN; // freed, or frozen by a split, meanwhile
        }
        if (!f.tryLock(head)) {
            sys.phys.put(head);
            return -Errno.EAGAIN;
        }
        try {
            // our reference keeps the first page, which the lock stays on, from being freed under it
            return f.head(pfn) == head ? sys.huge.splitFolio(head, 1) : -Errno.EAGAIN;
        } finally {
            f.unlock(head); // split or not, the lock stays on the first page
            sys.phys.put(head);
        }
    }

    /** Whether the selection flags and owner take this frame. */
    private static boolean selectable(MigrateVma m, int pfn) {
        DevPagemap pgmap = m.vma.mm.sys.phys.pgmap(pfn);
        if (pgmap == null) {
            return (m.flags & MigrateVma.SELECT_SYSTEM) != 0;
        }
        int wanted = pgmap.type() == DevPagemap.Type.PRIVATE ? MigrateVma.SELECT_DEVICE_PRIVATE : MigrateVma.SELECT_DEVICE_COHERENT;
        return (m.flags & wanted) != 0 && pgmap.owner() == m.pgmapOwner;
    }

    /**
     * Isolates the folio mapped at {@code addr} and replaces this mapping with a migration
     * entry (inside the MIGRATE invalidation already raised). False if the entry changed.
     */
    private static boolean isolateMapping(MigrateVma m, int i, long addr, boolean pmdLevel) {
        Mm mm = m.vma.mm;
        MemorySystem sys = mm.sys;
        PageFrames f = sys.phys.frames();
        ReentrantLock ptl = mm.lockEntry(addr);
        try {
            long e = pmdLevel ? mm.pt.pmd(addr) : mm.pt.pte(addr);
            if (!(Pte.present(e) || Pte.isDevicePrivate(e)) || Pte.special(e)) {
                return false;
            }
            int pfn = Pte.pfn(e);
            int head = f.head(pfn);
            boolean write = Pte.writable(e) || Pte.kindWritable(e);
            boolean exclusive = f.test(head, PageFlags.ANON_EXCLUSIVE);
            if (exclusive && sys.phys.maybeDmaPinned(head)) {
                return false; // folio_try_share_anon_rmap_pte refuses: the PTE stays, the entry is 0
            }
            if (!f.tryLock(head)) {
                return false; // migrate_vma_collect_pmd's folio_trylock: someone else is moving or reclaiming it
            }
            // a split may have made the page a folio of its own before the lock was taken, or
            // frozen the count: then this is not the folio locked, or not one to take
            if (f.head(pfn) != head || !f.refTryGet(head)) {
                f.unlock(head);
                return false;
            }
            long mig = Pte.mkNonPresent(write ? Pte.KIND_MIGRATION_WRITE : Pte.KIND_MIGRATION_READ, pfn,
                    (exclusive ? Pte.EXCLUSIVE : 0) | (pmdLevel ? Pte.HUGE : 0));
            if (Pte.dirty(e)) {
                f.set(pfn, PageFlags.DIRTY);
            }
            if (pmdLevel) {
                mm.pt.setPmd(addr, mig);
                sys.rmap.removeEntire(pfn);
            } else {
                mm.pt.setPte(addr, mig);
                sys.rmap.removePte(pfn);
            }
            m.src[i] = MigrateVma.entry(pfn) | MigrateVma.MIGRATE | (write ? MigrateVma.WRITE : 0)
                    | (pmdLevel ? MigrateVma.COMPOUND : 0);
            m.cpages++;
            return true;
        } finally {
            ptl.unlock();
        }
    }

    /**
     * Unmaps the collected folio everywhere else (try_to_migrate) and checks that only our
     * isolation reference is left; if not, the old mappings come back, the reference is dropped
     * and the entry is set to 0. Returns whether the entry can still move.
     */
    private static boolean unmapElsewhere(MemorySystem sys, long[] src, int i) {
        int head = MigrateVma.pfn(src[i]);
        PageFrames f = sys.phys.frames();
        if (f.folioMapped(head)) {
            boolean[] write = new boolean[1];
            sys.rmap.replaceMappings(head, (e, exclusive) -> {
                boolean w = Pte.writable(e) || Pte.kindWritable(e);
                write[0] |= w;
                return Pte.mkNonPresent(w ? Pte.KIND_MIGRATION_WRITE : Pte.KIND_MIGRATION_READ, Pte.pfn(e),
                        (exclusive ? Pte.EXCLUSIVE : 0) | (e & Pte.HUGE));
            }, NotifierEvent.CLEAR);
            if (write[0]) {
                src[i] |= MigrateVma.WRITE;
            }
        }
        if (f.refcount(head) != expectedRefs(f, head)) {
            sys.rmap.restoreMigrationEntries(head, head);
            src[i] = 0; // migrate_device_unmap: a failed entry is dropped, its lock and isolation reference too
            f.unlock(head);
            sys.phys.put(head);
            sys.stats.migrateBlockedByRefs.incrementAndGet();
            return false;
        }
        return true;
    }

    /** The references a collected, unmapped folio may hold: the isolation one, plus the page cache's. */
    private static int expectedRefs(PageFrames f, int head) {
        return 1 + (f.test(head, PageFlags.PAGECACHE) ? 1 : 0);
    }

    /**
     * migrate_vma_pages: entries the driver gave a destination move; holes get the new page
     * inserted unless a CPU fault populated them first (then the entry loses MIGRATE). A
     * compound source whose destination is not compound is split and moved page by page.
     */
    public static void pages(MigrateVma m) {
        movePages(m.vma.mm.sys, m.src, m.dst, m.npages, m);
    }

    /** migrate_vma_finalize: moved sources are freed, the rest restored; destinations released to their mappings. */
    public static void finalizeMigration(MigrateVma m) {
        finalizePages(m.vma.mm.sys, m.src, m.dst, m.npages);
    }

    /**
     * migrate_device_range: collects every allocated frame of [startPfn, startPfn+npages) of
     * device memory, wherever it is mapped, for eviction. Returns the entries collected. As
     * migrate_device_pfn_lock, a frame is taken only while it still has a reference
     * (folio_try_get: a frame freed meanwhile by a munmap stays free) and only if its lock can
     * be had.
     */
    public static int deviceRange(MemorySystem sys, long[] src, int startPfn, int npages) {
        PageFrames f = sys.phys.frames();
        int collected = 0;
        Arrays.fill(src, 0, npages, 0);
        for (int i = 0; i < npages; i++) {
            int pfn = startPfn + i;
            if (f.test(pfn, PageFlags.TAIL) || !f.refTryGet(pfn)) {
                continue;
            }
            if (!f.tryLock(pfn)) {
                sys.phys.put(pfn);
                continue;
            }
            src[i] = MigrateVma.entry(pfn) | MigrateVma.MIGRATE | (f.isLarge(pfn) ? MigrateVma.COMPOUND : 0);
            if (unmapElsewhere(sys, src, i)) {
                collected++;
            }
        }
        return collected;
    }

    /** migrate_device_pages. */
    public static void devicePages(MemorySystem sys, long[] src, long[] dst, int npages) {
        movePages(sys, src, dst, npages, null);
    }

    /** migrate_device_finalize. */
    public static void deviceFinalize(MemorySystem sys, long[] src, long[] dst, int npages) {
        finalizePages(sys, src, dst, npages);
    }

    private static void movePages(MemorySystem sys, long[] src, long[] dst, int n, MigrateVma m) {
        // a hole filled here changes the page table after setup's invalidation ended: like
        // migrate_vma_pages, raise a second MIGRATE invalidation, from the first hole filled to
        // the end of the range, so that a mirror of the zero page or of nothing hears of it
        NotifierRange holes = null;
        try {
            for (int i = 0; i < n; i++) {
                if (m != null && holes == null && (src[i] & MigrateVma.MIGRATE) != 0 && !MigrateVma.valid(src[i])
                        && MigrateVma.valid(dst[i])) {
                    holes = m.vma.mm.invalidateStart(NotifierEvent.MIGRATE, m.start + ((long) i << PageSize.PAGE_SHIFT), m.end,
                            m.pgmapOwner);
                }
                movePage(sys, src, dst, i, m);
            }
        } finally {
            if (holes != null) {
                m.vma.mm.invalidateEnd(holes);
            }
        }
    }

    private static void movePage(MemorySystem sys, long[] src, long[] dst, int i, MigrateVma m) {
        long s = src[i];
        long d = dst[i];
        if ((s & MigrateVma.MIGRATE) == 0) {
            return;
        }
        if (!MigrateVma.valid(d)) {
            src[i] &= ~MigrateVma.MIGRATE;
            return;
        }
        if ((s & MigrateVma.COMPOUND) != 0 && (d & MigrateVma.COMPOUND) == 0) {
            splitSource(sys, src, i, m);
            s = src[i];
            if ((s & MigrateVma.MIGRATE) == 0) {
                return;
            }
        }
        if (!MigrateVma.valid(s)) {
            if (m == null || !insertHole(m, i, d)) {
                src[i] &= ~MigrateVma.MIGRATE;
            }
            return;
        }
        if (sys.phys.frames().test(MigrateVma.pfn(s), PageFlags.PAGECACHE)) {
            // only anonymous memory moves to device memory; the model moves page-cache
            // pages between system frames only through migrate_pages (Migrate)
            src[i] &= ~MigrateVma.MIGRATE;
            return;
        }
        if (sys.phys.frames().refcount(MigrateVma.pfn(s)) != 1) {
            // folio_migrate_mapping: a reference appeared since setup (only the isolation one may be left)
            src[i] &= ~MigrateVma.MIGRATE;
            sys.stats.migrateBlockedByRefs.incrementAndGet();
            return;
        }
        copyFolioState(sys, MigrateVma.pfn(s), MigrateVma.pfn(d));
    }

    /** Falls back from a compound entry to 512 page entries (the driver gave base destinations). */
    private static void splitSource(MemorySystem sys, long[] src, int i, MigrateVma m) {
        long s = src[i];
        if (!MigrateVma.valid(s)) {
            for (int j = 0; j < NR && i + j < src.length; j++) {
                src[i + j] = MigrateVma.MIGRATE;
            }
            return;
        }
        int head = MigrateVma.pfn(s);
        PageFrames f = sys.phys.frames();
        sys.rmap.restoreMigrationEntries(head, head);
        // under the lock collecting took, with the isolation reference: both stay on the first page
        if (sys.huge.splitFolio(head, 1) < 0) {
            src[i] = 0; // a reference appeared (a pin): the folio stays whole, where it is
            f.unlock(head);
            sys.phys.put(head);
            return;
        }
        for (int j = 0; j < NR; j++) {
            int pfn = head + j;
            src[i + j] = 0;
            // the small folios a split leaves are unlocked, and freed when nothing mapped them
            if (j > 0 && !f.refTryGet(pfn)) {
                continue;
            }
            if (j > 0 && !f.tryLock(pfn)) {
                sys.phys.put(pfn);
                continue;
            }
            src[i + j] = MigrateVma.entry(pfn) | MigrateVma.MIGRATE;
            unmapElsewhere(sys, src, i + j);
        }
    }

    /** The new frame takes over the old one's identity: anon state, reverse-map index, dirtiness. */
    private static void copyFolioState(MemorySystem sys, int src, int dst) {
        PageFrames f = sys.phys.frames();
        int n = f.nrPages(src);
        int keep = PageFlags.ANON | PageFlags.ANON_EXCLUSIVE | PageFlags.SWAPBACKED | PageFlags.DIRTY;
        for (int k = 0; k < n; k++) {
            f.set(dst + k, f.flags(src + k) & keep);
            f.setMapping(dst + k, f.mapping(src + k), f.index(src + k));
        }
    }

    /** migrate_vma_insert_page: maps a destination where the range had no page. */
    private static boolean insertHole(MigrateVma m, int i, long d) {
        Vma vma = m.vma;
        Mm mm = vma.mm;
        MemorySystem sys = mm.sys;
        long addr = m.start + ((long) i << PageSize.PAGE_SHIFT);
        int pfn = MigrateVma.pfn(d);
        boolean huge = (d & MigrateVma.COMPOUND) != 0;
        if (!huge && Pte.leaf(readPmd(mm, addr))) {
            sys.huge.splitPmd(vma, addr & PageSize.PMD_MASK); // a huge zero page under a page hole
        }
        ReentrantLock ptl = huge ? mm.lockFault(addr) : mm.lockPte(addr);
        try {
            if (!huge && Pte.leaf(mm.pt.pmd(addr))) {
                return false; // a CPU fault mapped a THP here since the check above
            }
            long old = huge ? mm.pt.pmd(addr) : mm.pt.pte(addr);
            boolean empty = old == 0 || (Pte.present(old) && Pte.special(old) && sys.phys.isZeroPfn(Pte.pfn(old)));
            if (!empty || (huge && Pte.table(old))) {
                return false; // a CPU fault got there first
            }
            sys.fault.ensureAnonVma(vma);
            sys.rmap.newAnon(pfn, vma, addr, true);
            boolean write = vma.has(VmFlags.WRITE);
            long entry;
            if (sys.rmap.isDevicePrivate(pfn)) {
                entry = Pte.mkNonPresent(write ? Pte.KIND_DEVICE_PRIVATE_WRITE : Pte.KIND_DEVICE_PRIVATE_READ, pfn, huge ? Pte.HUGE : 0);
            } else {
                entry = Pte.mk(pfn, Pte.ACCESSED | (write ? Pte.WRITE | Pte.DIRTY : 0) | (huge ? Pte.HUGE : 0));
            }
            if (huge) {
                mm.pt.setPmd(addr, entry);
                sys.rmap.addEntire(pfn);
            } else {
                mm.pt.setPte(addr, entry);
                sys.rmap.addPte(pfn);
            }
            return true;
        } finally {
            ptl.unlock();
        }
    }

    private static void finalizePages(MemorySystem sys, long[] src, long[] dst, int n) {
        PhysicalMemory phys = sys.phys;
        for (int i = 0; i < n; i++) {
            long s = src[i];
            long d = dst[i];
            boolean moved = (s & MigrateVma.MIGRATE) != 0 && MigrateVma.valid(d);
            if (MigrateVma.valid(s)) {
                int from = MigrateVma.pfn(s);
                if (moved) {
                    sys.stats.pgmigrateSuccess.addAndGet(phys.frames().nrPages(from));
                }
                sys.rmap.restoreMigrationEntries(from, moved ? MigrateVma.pfn(d) : from);
                phys.frames().unlock(from);
                phys.put(from);
            }
            if (MigrateVma.valid(d)) {
                phys.put(MigrateVma.pfn(d)); // the driver's reference; mappings hold their own
            }
        }
    }

    private static long readPmd(Mm mm, long addr) {
        ReentrantLock ptl = mm.lockEntry(addr);
        try {
            return mm.pt.pmd(addr);
        } finally {
            ptl.unlock();
        }
    }
}
