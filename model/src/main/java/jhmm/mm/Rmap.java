package jhmm.mm;

import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import jhmm.base.PageSize;
import jhmm.phys.PageFlags;
import jhmm.phys.PageFrames;

/**
 * The reverse map: accounting when a frame gets or loses a mapping, and the walk from a folio
 * to every (VMA, address) that may map it, through its anon_vma or its file's VMAs.
 */
public final class Rmap {
    private final MemorySystem sys;

    Rmap(MemorySystem sys) {
        this.sys = sys;
    }

    /** Visits one place a folio's page may be mapped. */
    public interface Visitor {
        /**
         * @param pmdLevel the folio's head is mapped there by one PMD/PUD leaf (subpage 0)
         * @return false to stop the walk
         */
        boolean visit(Vma vma, long addr, int subpage, boolean pmdLevel);
    }

    /** A new anonymous folio becomes mapped for the first time in {@code vma} at {@code addr}. */
    void newAnon(int pfn, Vma vma, long addr, boolean exclusive) {
        PageFrames f = sys.phys.frames();
        int n = f.nrPages(pfn);
        f.setMapping(pfn, vma.anonVma.id, vma.pageIndex(addr)); // the tails derive theirs from the head
        int anon = PageFlags.ANON | PageFlags.SWAPBACKED;
        f.set(pfn, exclusive ? anon | PageFlags.ANON_EXCLUSIVE : anon);
        for (int i = 1; i < n; i++) {
            f.set(pfn + i, anon);
        }
    }

    /**
     * A freshly allocated anonymous folio gets its first mapping, by one PTE: the allocation's
     * reference becomes the mapping's (folio_add_new_anon_rmap), so no reference is taken and
     * dropped.
     */
    void mapNewAnonPte(int pfn, Vma vma, long addr, boolean exclusive) {
        newAnon(pfn, vma, addr, exclusive);
        sys.phys.frames().firstPteMapping(pfn);
    }

    /** As {@link #mapNewAnonPte}, for a whole folio mapped by one PMD/PUD leaf. */
    void mapNewAnonEntire(int pfn, Vma vma, long addr) {
        newAnon(pfn, vma, addr, true);
        sys.phys.frames().entireMapcountAdd(pfn, 1);
    }

    /** A PTE now maps {@code pfn}: one mapcount and one folio reference. */
    void addPte(int pfn) {
        PageFrames f = sys.phys.frames();
        f.pteMapcountAdd(pfn, 1);
        f.refAdd(pfn, 1);
    }

    /** A PMD/PUD leaf now maps the whole folio. */
    void addEntire(int pfn) {
        PageFrames f = sys.phys.frames();
        f.entireMapcountAdd(pfn, 1);
        f.refAdd(pfn, 1);
    }

    /** A PTE mapping of {@code pfn} is gone; may free the folio, or leave a large one partly mapped. */
    void removePte(int pfn) {
        unmapPte(pfn);
        sys.phys.put(pfn);
    }

    /** As {@link #removePte}, keeping the mapping's reference for the caller to drop. */
    void unmapPte(int pfn) {
        PageFrames f = sys.phys.frames();
        if (f.pteMapcountAdd(pfn, -1) == 0 && f.isLarge(pfn)) {
            sys.deferredSplit.queueIfPartlyMapped(pfn);
        }
    }

    /** A PMD/PUD mapping of the whole folio is gone; the folio may be left partly PTE-mapped. */
    void removeEntire(int pfn) {
        PageFrames f = sys.phys.frames();
        f.entireMapcountAdd(pfn, -1);
        if (f.entireMapcount(pfn) == 0) {
            sys.deferredSplit.queueIfPartlyMapped(pfn);
        }
        sys.phys.put(pfn);
    }

    /** A frame of device-private memory: the CPU maps it only through device-private entries. */
    boolean isDevicePrivate(int pfn) {
        jhmm.phys.DevPagemap m = sys.phys.pgmap(pfn);
        return m != null && m.type() == jhmm.phys.DevPagemap.Type.PRIVATE;
    }

    /** Whether any process may write this anonymous folio without COW. */
    boolean anonExclusive(int pfn) {
        PageFrames f = sys.phys.frames();
        return f.test(f.head(pfn), PageFlags.ANON_EXCLUSIVE);
    }

    /**
     * A large anonymous folio whose every mapping is a PTE of {@code mm}, with no reference
     * beyond those mappings: a write fault may reuse its page instead of copying, as Linux
     * does for a large folio mapped by one process only. The caller holds {@code mm}'s PTL,
     * which comes after the anon_vma lock: while a VMA change holds that lock, the answer is
     * no (the fault copies), as a walk with try_lock gives up.
     */
    boolean largeFolioOwnedBy(Mm mm, int head) {
        PageFrames f = sys.phys.frames();
        int total = f.folioTotalMapcount(head);
        if (f.entireMapcount(head) > 0 || f.refcount(head) != total) {
            return false;
        }
        Object root = root(head);
        ReentrantReadWriteLock lock = lockOf(root);
        if (lock == null || !lock.readLock().tryLock()) {
            return false;
        }
        int[] mine = new int[1];
        try {
            walkLocked(root, head, (vma, addr, sub, pmdLevel) -> {
                if (vma.mm == mm && !pmdLevel && mapsFrame(mm.pt.pte(addr), head + sub)) {
                    mine[0]++;
                }
                return true;
            });
        } finally {
            lock.readLock().unlock();
        }
        return mine[0] == total;
    }

    /**
     * Walks every VMA that may map the folio headed by {@code head}: the anon_vma's VMAs for
     * anonymous folios, the file's VMAs for page-cache folios. Holds the root's lock for
     * reading throughout (rmap_walk): see {@link RmapLocks}.
     */
    public void walk(int head, Visitor v) {
        Object root = root(head);
        ReentrantReadWriteLock lock = lockOf(root);
        if (lock == null) {
            return;
        }
        RmapLocks.read(lock);
        try {
            walkLocked(root, head, v);
        } finally {
            lock.readLock().unlock();
        }
    }

    /** The reverse-map root of the folio: its anon_vma, its file, or neither (null or another object). */
    private Object root(int head) {
        return sys.mappingById(sys.phys.frames().mapping(head));
    }

    /** The rwsem of a reverse-map root; null when {@code root} is none. */
    private static ReentrantReadWriteLock lockOf(Object root) {
        return root instanceof AnonVma a ? a.rwsem : root instanceof FileInode file ? file.iMmapRwsem : null;
    }

    /** {@link #walk}, its caller holding the lock of {@code root}. */
    private void walkLocked(Object root, int head, Visitor v) {
        PageFrames f = sys.phys.frames();
        Vma[] vmas;
        if (root instanceof AnonVma a) {
            vmas = a.snapshot();
        } else if (root instanceof FileInode file) {
            vmas = file.vmaSnapshot();
        } else {
            return;
        }
        int n = f.nrPages(head);
        long index = f.index(head);
        for (Vma vma : vmas) {
            if (vma.mm.dead) {
                continue;
            }
            long first = vma.addressOf(index);
            if (n > 1 && first >= 0 && (first & ~PageSize.PMD_MASK) == 0) {
                long e = n == PageSize.HPAGE_PMD_NR ? vma.mm.pt.pmd(first) : vma.mm.pt.pud(first);
                if (Pte.leaf(e) && Pte.pfn(e) == head) {
                    if (!v.visit(vma, first, 0, true)) {
                        return;
                    }
                    continue;
                }
            }
            for (int i = 0; i < n; i++) {
                long addr = vma.addressOf(index + i);
                if (addr >= 0 && !v.visit(vma, addr, i, false)) {
                    return;
                }
            }
        }
    }

    /**
     * folio_maybe_mapped_shared: whether more than one process maps the folio, for MADV_FREE
     * and MADV_PAGEOUT, which leave such folios alone. Linux tracks which processes map a
     * large folio, so one that a single process maps many times is not shared, and one that
     * two processes map only in part (a THP cut by mremap, then forked) is.
     */
    boolean maybeMappedShared(int pfn) {
        PageFrames f = sys.phys.frames();
        int head = f.head(pfn);
        if (!f.isLarge(head)) {
            return f.mapcount(head) > 1;
        }
        if (f.entireMapcount(head) > 1) {
            return true;
        }
        Mm[] first = new Mm[1];
        boolean[] shared = new boolean[1];
        walk(head, (vma, addr, sub, pmdLevel) -> {
            if (mapsFrame(readLocked(vma.mm, addr, pmdLevel, f.order(head)), head + sub)) {
                if (first[0] == null) {
                    first[0] = vma.mm;
                } else {
                    shared[0] = first[0] != vma.mm;
                }
            }
            return !shared[0];
        });
        return shared[0];
    }

    /** Computes the entry that replaces a present mapping (a migration or swap entry). */
    public interface EntryMapper {
        long replace(long old, boolean anonExclusive);
    }

    /**
     * try_to_unmap / try_to_migrate: every present mapping of the folio is replaced by what
     * {@code mapper} gives, inside an invalidation of {@code event} per VMA that covers the
     * folio's mappings there (try_to_unmap_one's range). The mapping's reference goes; the
     * caller holds its own; the address space's rss drops unless the replacement is a migration
     * entry (try_to_migrate keeps the counters). Returns the mappings replaced.
     */
    public int replaceMappings(int head, EntryMapper mapper, NotifierEvent event) {
        return replaceMappings(head, mapper, event, false);
    }

    /** One place the rmap walk found that may map a page of the folio. */
    private record Place(Vma vma, long addr, int subpage, boolean pmdLevel) {}

    /**
     * {@link #replaceMappings(int, EntryMapper, NotifierEvent)}; with {@code splitPmd}
     * (TTU_SPLIT_HUGE_PMD) a PMD mapping the folio is first split into PTEs inside the same
     * invalidation, and each PTE replaced.
     */
    int replaceMappings(int head, EntryMapper mapper, NotifierEvent event, boolean splitPmd) {
        Object root = root(head);
        ReentrantReadWriteLock lock = lockOf(root);
        if (lock == null) {
            return 0;
        }
        // the places found stay where the walk found them until every one is replaced
        RmapLocks.read(lock);
        try {
            java.util.List<Place> places = new java.util.ArrayList<>();
            walkLocked(root, head, (vma, addr, sub, pmdLevel) -> places.add(new Place(vma, addr, sub, pmdLevel)));
            int count = 0;
            for (int from = 0, to; from < places.size(); from = to) {
                Vma vma = places.get(from).vma();
                for (to = from; to < places.size() && places.get(to).vma() == vma; to++) {
                    // the walk visits a VMA's places together
                }
                count += replaceInVma(head, places.subList(from, to), mapper, event, splitPmd);
            }
            return count;
        } finally {
            lock.readLock().unlock();
        }
    }

    private int replaceInVma(int head, java.util.List<Place> places, EntryMapper mapper, NotifierEvent event, boolean splitPmd) {
        PageFrames f = sys.phys.frames();
        Vma vma = places.get(0).vma();
        Mm mm = vma.mm;
        int order = f.order(head);
        long start = Long.MAX_VALUE;
        long end = Long.MIN_VALUE;
        try (WalkLock lock = new WalkLock()) {
            for (Place p : places) {
                lock.at(mm, p.addr(), pudLeaf(p.pmdLevel(), order));
                if (mapsFrame(read(mm, p.addr(), p.pmdLevel(), order), head + p.subpage())) {
                    start = Math.min(start, p.addr());
                    end = Math.max(end, p.addr() + (p.pmdLevel() ? (long) f.nrPages(head) << PageSize.PAGE_SHIFT : PageSize.PAGE_SIZE));
                }
            }
        }
        if (start > end) {
            return 0; // nothing of this folio here: no invalidation either
        }
        NotifierRange r = mm.invalidateStart(event, start, end);
        int count = 0;
        try (WalkLock lock = new WalkLock()) {
            for (Place p : places) {
                lock.at(mm, p.addr(), pudLeaf(p.pmdLevel(), order)); // each mapping under the lock of the table it is in
                if (p.pmdLevel() && splitPmd && mapsFrame(read(mm, p.addr(), true, order), head)) {
                    sys.huge.splitPmdLocked(vma, p.addr(), false);
                    count += replaceSplit(vma, p.addr(), head, mapper);
                    lock.close(); // the window has a PTE table now: its lock, not the PMD lock, guards it
                } else {
                    count += replaceLocked(vma, p.addr(), head, p.subpage(), p.pmdLevel(), mapper);
                }
            }
        }
        mm.invalidateEnd(r);
        return count;
    }

    /**
     * After split_huge_pmd_locked (the PMD lock held), the walk goes on at PTE level: every page
     * of the folio in the new PTE table, under that table's lock. A page-cache PMD is dropped,
     * not split: nothing is left to replace.
     */
    private int replaceSplit(Vma vma, long haddr, int head, EntryMapper mapper) {
        Mm mm = vma.mm;
        int table = mm.pt.pteTable(haddr, false);
        if (table < 0) {
            return 0;
        }
        ReentrantLock ptl = mm.pt.tableLock(table);
        ptl.lock();
        try {
            int count = 0;
            for (int i = 0, n = sys.phys.frames().nrPages(head); i < n; i++) {
                count += replaceLocked(vma, haddr + ((long) i << PageSize.PAGE_SHIFT), head, i, false, mapper);
            }
            return count;
        } finally {
            ptl.unlock();
        }
    }

    /** Replaces one mapping of page {@code sub} of the folio, if the entry still maps it; 1 if it did. Under the entry's lock. */
    private int replaceLocked(Vma vma, long addr, int head, int sub, boolean pmdLevel, EntryMapper mapper) {
        PageFrames f = sys.phys.frames();
        Mm mm = vma.mm;
        long e = read(mm, addr, pmdLevel, f.order(head));
        if (!mapsFrame(e, head + sub)) {
            return 0;
        }
        boolean exclusive = f.test(head, PageFlags.ANON) && f.test(head, PageFlags.ANON_EXCLUSIVE);
        long replacement = mapper.replace(e, exclusive);
        write(mm, addr, pmdLevel, f.order(head), replacement);
        if (!Pte.isMigration(replacement)) {
            long size = pmdLevel ? (long) f.nrPages(head) << PageSize.PAGE_SHIFT : PageSize.PAGE_SIZE;
            mm.rssAddFolio(vma, head, -(size >>> PageSize.PAGE_SHIFT)); // swapped out or discarded: no longer resident
        }
        if (Pte.dirty(e)) {
            f.set(head + sub, PageFlags.DIRTY);
        }
        if (pmdLevel) {
            removeEntire(head);
        } else {
            removePte(head + sub);
        }
        return 1;
    }

    /**
     * remove_migration_ptes: migration entries naming {@code src} become mappings of {@code dst}.
     * The walk chose between a PMD and the PTEs by a look without a lock; a PMD migration entry
     * found split once the lock is held (a partial zap, or a device migration collecting a page
     * near it, splits it into PTE migration entries) is restored PTE by PTE, as
     * page_vma_mapped_walk goes on at PTE level when the PMD was split under it. Restoring only
     * a PMD there left 512 migration entries that no one restores.
     */
    public void restoreMigrationEntries(int src, int dst) {
        PageFrames f = sys.phys.frames();
        try (WalkLock lock = new WalkLock()) {
            walk(src, (vma, addr, sub, pmdLevel) -> {
                boolean pudLeaf = pudLeaf(pmdLevel, f.order(dst));
                lock.at(vma.mm, addr, pudLeaf);
                if (pmdLevel && !pudLeaf && !Pte.leaf(read(vma.mm, addr, true, f.order(dst)))) {
                    // the lock taken is the new PTE table's: lockEntry looked at the PMD under it
                    for (int i = 0, n = f.nrPages(src); i < n; i++) {
                        restoreLocked(vma, addr + ((long) i << PageSize.PAGE_SHIFT), src, dst, i, false);
                    }
                } else {
                    restoreLocked(vma, addr, src, dst, sub, pmdLevel);
                }
                return true;
            });
        }
        if (f.isLarge(dst)) {
            sys.deferredSplit.queueIfPartlyMapped(dst); // the new folio is as partly mapped as the old
        }
    }

    /** Restores the entry at {@code addr} if it is a migration entry naming page {@code sub} of {@code src}; under its lock. */
    private void restoreLocked(Vma vma, long addr, int src, int dst, int sub, boolean pmdLevel) {
        PageFrames f = sys.phys.frames();
        Mm mm = vma.mm;
        long e = read(mm, addr, pmdLevel, f.order(dst));
        if (!Pte.isMigration(e) || Pte.pfn(e) != src + sub) {
            return;
        }
        long bits = Pte.ACCESSED | (pmdLevel ? Pte.HUGE : 0);
        if (Pte.kindWritable(e)) {
            bits |= Pte.WRITE;
        }
        if (f.test(dst + sub, PageFlags.DIRTY)) {
            bits |= Pte.DIRTY;
        }
        long mapped = Pte.mk(dst + sub, bits);
        if (isDevicePrivate(dst)) {
            int kind = Pte.kindWritable(e) ? Pte.KIND_DEVICE_PRIVATE_WRITE : Pte.KIND_DEVICE_PRIVATE_READ;
            mapped = Pte.mkNonPresent(kind, dst + sub, pmdLevel ? Pte.HUGE : 0);
        } else if (!vma.has(VmFlags.READ | VmFlags.WRITE | VmFlags.EXEC)) {
            mapped = Mprotect.adjust(vma, mapped);
        }
        write(mm, addr, pmdLevel, f.order(dst), mapped);
        if (pmdLevel) {
            addEntire(dst);
        } else {
            addPte(dst + sub);
        }
    }

    /** An entry that holds a mapping of {@code pfn}: present, device-exclusive or device-private. */
    static boolean mapsFrame(long e, int pfn) {
        return (Pte.present(e) && !Pte.special(e) || Pte.isDeviceExclusive(e) || Pte.isDevicePrivate(e)) && Pte.pfn(e) == pfn;
    }

    private static long readLocked(Mm mm, long addr, boolean pmdLevel, int order) {
        try (WalkLock lock = new WalkLock()) {
            lock.at(mm, addr, pudLeaf(pmdLevel, order));
            return read(mm, addr, pmdLevel, order);
        }
    }

    /** Whether a huge mapping of a folio of {@code order} is a PUD leaf (guarded by the page_table_lock). */
    private static boolean pudLeaf(boolean pmdLevel, int order) {
        return pmdLevel && order == PageSize.PUD_ORDER;
    }

    private static long read(Mm mm, long addr, boolean pmdLevel, int order) {
        if (!pmdLevel) {
            return mm.pt.pte(addr);
        }
        return order == PageSize.PUD_ORDER ? mm.pt.pud(addr) : mm.pt.pmd(addr);
    }

    private static void write(Mm mm, long addr, boolean pmdLevel, int order, long e) {
        if (!pmdLevel) {
            mm.pt.setPte(addr, e);
        } else if (order == PageSize.PUD_ORDER) {
            mm.pt.setPud(addr, e);
        } else {
            mm.pt.setPmd(addr, e);
        }
    }
}
