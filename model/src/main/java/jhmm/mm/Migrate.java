package jhmm.mm;

import jhmm.base.Errno;
import jhmm.phys.PageFlags;
import jhmm.phys.PageFrames;
import jhmm.phys.PhysicalMemory;

/**
 * Page migration (mm/migrate.c) and compaction: a folio's mappings are replaced by migration
 * entries (a CLEAR invalidation each), its reference count is checked against what its
 * mappings and the page cache explain, and only then is it copied to a new folio and the
 * entries pointed there. Any extra reference (a GUP pin, a DMA in flight) fails the move with
 * -EAGAIN and restores the old entries.
 */
public final class Migrate {
    private final MemorySystem sys;

    Migrate(MemorySystem sys) {
        this.sys = sys;
    }

    /**
     * Migrates every folio mapped in [start, end) of {@code mm}; 0, or -EAGAIN if any failed.
     * Partly mapped THPs are split first, and their mapped pages move one by one.
     */
    public int migrateRange(Mm mm, long start, long end) {
        int[] heads = sys.reclaim.foliosIn(mm, start, end);
        boolean split = false;
        for (int head : heads) {
            split |= sys.deferredSplit.splitBeforeMigration(head);
        }
        if (split) {
            heads = sys.reclaim.foliosIn(mm, start, end); // the split folios' mapped pages, one by one
        }
        int failed = 0;
        for (int head : heads) {
            if (migrateFolio(head, -1) < 0) {
                failed++;
            }
        }
        return failed == 0 ? 0 : -Errno.EAGAIN;
    }

    /** Whether compaction and migration may move this folio at all. */
    boolean movable(int head) {
        PageFrames f = sys.phys.frames();
        int flags = f.flags(head);
        return (flags & (PageFlags.FREE | PageFlags.RESERVED | PageFlags.HUGETLB | PageFlags.TAIL)) == 0
                && (flags & (PageFlags.ANON | PageFlags.PAGECACHE)) != 0 && f.refcount(head) > 0;
    }

    /**
     * Moves one folio to {@code target} (a free block's first frame), or anywhere when -1.
     * Returns the new head, or -EAGAIN / -ENOMEM.
     */
    public int migrateFolio(int head, int target) {
        PhysicalMemory phys = sys.phys;
        PageFrames f = phys.frames();
        if (!movable(head)) {
            return -Errno.EINVAL;
        }
        if (!f.refTryGet(head)) {
            return -Errno.EAGAIN; // freed since the caller found it: isolate only a live folio (folio_try_get)
        }
        try {
            if (!movable(head)) {
                return -Errno.EAGAIN; // freed and reused as something else meanwhile
            }
            return isolatedMigrate(head, target);
        } finally {
            phys.put(head); // the isolation reference
        }
    }

    /** {@link #migrateFolio} once the caller holds the isolation reference on {@code head}. */
    private int isolatedMigrate(int head, int target) {
        PhysicalMemory phys = sys.phys;
        PageFrames f = phys.frames();
        int order = f.order(head);
        if (!f.tryLock(head)) {
            return -Errno.EAGAIN; // another migration (or reclaim) has it
        }
        try {
            sys.rmap.replaceMappings(head, Migrate::migrationEntry, NotifierEvent.CLEAR);
            int expected = 1 + (f.test(head, PageFlags.PAGECACHE) ? 1 : 0);
            if (f.refcount(head) != expected) {
                sys.rmap.restoreMigrationEntries(head, head);
                sys.stats.pgmigrateFail.incrementAndGet();
                sys.stats.migrateBlockedByRefs.incrementAndGet();
                return -Errno.EAGAIN;
            }
            int dst = target >= 0 ? phys.allocFolioAt(target, order) : sys.allocFolio(order);
            if (dst < 0) {
                sys.rmap.restoreMigrationEntries(head, head);
                sys.stats.pgmigrateFail.incrementAndGet();
                return -Errno.ENOMEM;
            }
            moveFolioState(head, dst);
            sys.rmap.restoreMigrationEntries(head, dst);
            if (f.test(dst, PageFlags.PAGECACHE)) {
                FileInode file = (FileInode) sys.mappingById(f.mapping(dst));
                sys.filemap.replace(file, f.index(dst), dst);
                phys.put(head); // the cache's reference moved to dst with its allocation reference
            } else {
                phys.put(dst);
            }
            sys.stats.pgmigrateSuccess.addAndGet(1L << order);
            return dst;
        } finally {
            f.unlock(head);
        }
    }

    private void moveFolioState(int src, int dst) {
        PhysicalMemory phys = sys.phys;
        PageFrames f = phys.frames();
        int n = f.nrPages(src);
        int keep = PageFlags.ANON | PageFlags.ANON_EXCLUSIVE | PageFlags.SWAPBACKED | PageFlags.DIRTY | PageFlags.PAGECACHE;
        for (int i = 0; i < n; i++) {
            phys.data().copyTo(src + i, phys.data(), dst + i);
            f.set(dst + i, f.flags(src + i) & keep);
            f.setMapping(dst + i, f.mapping(src + i), f.index(src + i));
        }
        f.clear(src, PageFlags.PAGECACHE);
    }

    /** The migration entry that replaces present or device entry {@code e} (try_to_migrate_one). */
    static long migrationEntry(long e, boolean exclusive) {
        int kind = Pte.writable(e) || Pte.kindWritable(e) ? Pte.KIND_MIGRATION_WRITE : Pte.KIND_MIGRATION_READ;
        return Pte.mkNonPresent(kind, Pte.pfn(e), (exclusive ? Pte.EXCLUSIVE : 0) | (e & Pte.HUGE));
    }

    /**
     * Compaction: a migration scanner walks up from the bottom of RAM, a free scanner down
     * from the top; each movable folio the first finds moves to free frames the second finds,
     * until they meet. Returns the pages moved.
     */
    public long compact() {
        PhysicalMemory phys = sys.phys;
        PageFrames f = phys.frames();
        int free = phys.nrFrames() - 1;
        long moved = 0;
        for (int pfn = 0; pfn < free; ) {
            sys.deferredSplit.splitBeforeMigration(pfn);
            int order = f.order(pfn);
            int n = 1 << order;
            if (!f.test(pfn, PageFlags.TAIL) && movable(pfn)) {
                int target = freeBlockBelow(free, order, pfn + n);
                if (target < 0) {
                    break;
                }
                if (migrateFolio(pfn, target) >= 0) {
                    moved += n;
                    sys.stats.compactMigrated.addAndGet(n);
                } else {
                    sys.stats.compactBlocked.incrementAndGet();
                }
                free = target;
            }
            pfn += n;
        }
        return moved;
    }

    /** The highest free, {@code order}-aligned block at or below {@code from} and above {@code floor}; -1 if none. */
    private int freeBlockBelow(int from, int order, int floor) {
        PageFrames f = sys.phys.frames();
        int n = 1 << order;
        for (int p = (from - n + 1) & ~(n - 1); p >= floor; p -= n) {
            boolean allFree = true;
            for (int i = 0; i < n && allFree; i++) {
                allFree = f.test(p + i, PageFlags.FREE);
            }
            if (allFree) {
                return p;
            }
        }
        return -1;
    }

}
