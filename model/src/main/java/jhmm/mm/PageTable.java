package jhmm.mm;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.concurrent.locks.ReentrantLock;
import jhmm.base.PageSize;

/**
 * A 4-level x86-64 page table: PGD, PUD, PMD and PTE tables of 512 packed entries each.
 *
 * <p>Tables live in a pool named by an int id (the PGD is id 0); an upper-level entry pointing
 * to a lower table holds that id. Each table counts its non-none entries so that empty PTE
 * tables can be freed without scanning them.
 *
 * <p>Locking follows the kernel's split page-table locks (x86-64 has both split PTE and split
 * PMD locks): every PTE table and every PMD table carries its own lock, as the kernel keeps a
 * spinlock in the page-table page's struct ptdesc, so faults in different 2 MiB windows never
 * meet. The PGD and PUD levels share one lock per address space (mm->page_table_lock). A
 * change to an entry holds the lock of the table it is in; replacing or freeing a PTE table
 * (the PMD entry that points to it) holds the PMD lock and the PTE table's lock, PMD first.
 * Making a table holds the lock of the table that will point to it. This class never waits
 * for a lock; {@link Mm} finds and takes them (pte_offset_map_lock, pmd_lock).
 */
public final class PageTable {
    public static final int ENTRIES = 512;
    private static final int PGD = 0;
    private static final VarHandle ENTRY = MethodHandles.arrayElementVarHandle(long[].class);

    /** A page-table page: its entries, how many are not none, and the lock that guards them (struct ptdesc). */
    private static final class Table {
        final long[] e = new long[ENTRIES];
        final ReentrantLock lock;
        int used;

        Table(ReentrantLock lock) {
            this.lock = lock;
        }
    }

    /** mm->page_table_lock: guards the PGD and PUD tables. */
    private final ReentrantLock upperLock;
    /** Whether changes are checked (with assertions on) to hold their table's lock; off where the owner serialises every change. */
    private final boolean checkLocks;
    /**
     * Grown by copying under {@link #pool}. A reader learns a table's id from an entry it read
     * under that entry's lock, which the writer took after making the table, so it sees the
     * array that holds it.
     */
    private Table[] tables = new Table[64];
    /** The page allocator that page-table pages come from and go back to. */
    private final Object pool = new Object();
    private int[] freeIds = new int[16];
    private int nrFree;
    private int nextId;
    private int liveTables;

    /** A page table whose owner serialises every change with a lock of its own (an IOMMU domain's). */
    public PageTable() {
        this(new ReentrantLock(), false);
    }

    /** A page table whose upper levels {@code upperLock} (the address space's page_table_lock) guards. */
    public PageTable(ReentrantLock upperLock) {
        this(upperLock, true);
    }

    private PageTable(ReentrantLock upperLock, boolean checkLocks) {
        this.upperLock = upperLock;
        this.checkLocks = checkLocks;
        allocTable(upperLock);
    }

    /** The slot of {@code addr} in its PTE table. */
    public static int index(long addr) {
        return idx(addr, PageSize.PAGE_SHIFT);
    }

    /** The slot of {@code addr} in its PMD table. */
    public static int pmdIndex(long addr) {
        return idx(addr, PageSize.PMD_SHIFT);
    }

    private static int idx(long addr, int shift) {
        return (int) ((addr >>> shift) & (ENTRIES - 1));
    }

    /** A new empty table guarded by {@code lock} (null: a lock of its own, a split lock). */
    private int allocTable(ReentrantLock lock) {
        Table t = new Table(lock != null ? lock : new ReentrantLock());
        synchronized (pool) {
            int id;
            if (nrFree > 0) {
                id = freeIds[--nrFree];
            } else {
                if (nextId == tables.length) {
                    tables = Arrays.copyOf(tables, nextId * 2);
                }
                id = nextId++;
            }
            tables[id] = t;
            liveTables++;
            return id;
        }
    }

    private void freeTable(int id) {
        synchronized (pool) {
            tables[id] = null;
            if (nrFree == freeIds.length) {
                freeIds = Arrays.copyOf(freeIds, nrFree * 2);
            }
            freeIds[nrFree++] = id;
            liveTables--;
        }
    }

    /** Tables currently allocated, all levels. */
    public int liveTables() {
        synchronized (pool) {
            return liveTables;
        }
    }

    /**
     * The table below entry {@code addr} of table {@code tableId}; -1 when there is none (or a
     * leaf). With {@code alloc}, a missing table is made; the caller holds the lock of
     * {@code tableId} (pud_alloc and pmd_alloc populate an entry under its level's lock). No
     * method of this class waits for a lock: {@link Mm} takes them.
     */
    private int lower(int tableId, long addr, int shift, boolean alloc) {
        long[] t = tables[tableId].e;
        int i = idx(addr, shift);
        long e = t[i];
        if (Pte.table(e)) {
            return Pte.pfn(e);
        }
        if (e != 0 || !alloc) {
            return -1;
        }
        e = Pte.mkTable(allocTable(shift == PageSize.PGDIR_SHIFT ? upperLock : null));
        store(tableId, i, e);
        return Pte.pfn(e);
    }

    private int pudTable(long addr, boolean alloc) {
        return lower(PGD, addr, PageSize.PGDIR_SHIFT, alloc);
    }

    private int pmdTable(long addr, boolean alloc) {
        int pud = pudTable(addr, alloc);
        return pud < 0 ? -1 : lower(pud, addr, PageSize.PUD_SHIFT, alloc);
    }

    /** pmd_alloc: the PMD table covering {@code addr}, made (with the PUD table) where missing; the caller holds the page_table_lock. -1 under a PUD leaf. */
    int allocPmdTable(long addr) {
        return pmdTable(addr, true);
    }

    /** The entry of PMD table {@code pmdId} for {@code addr}, read without its lock (pmdp_get_lockless). */
    long pmdEntryLockless(int pmdId, long addr) {
        return entryAt(tables[pmdId].e, idx(addr, PageSize.PMD_SHIFT));
    }

    /** mm->page_table_lock, not taken. */
    ReentrantLock upperLock() {
        return upperLock;
    }

    /**
     * pmd_lockptr: the split lock of the PMD table covering {@code addr}, not taken; the table
     * exists (a PMD entry was found there). PMD tables are never freed under a live mapping, so
     * the lock found stays the one that guards the entry.
     */
    public ReentrantLock pmdLockPtr(long addr) {
        return tables[pmdTable(addr, false)].lock;
    }

    /**
     * The lock of table {@code id}, not taken (pte_lockptr for a walk that found the table, or
     * pmd_lockptr); null when the table has been freed since the id was read.
     */
    public ReentrantLock tableLock(int id) {
        Table t = tables[id];
        return t == null ? null : t.lock;
    }

    /** Id of the PMD table covering {@code addr}; -1 when missing or when a PUD leaf sits above it. */
    public int pmdTableId(long addr) {
        return pmdTable(addr, false);
    }

    /** Id of the PTE table covering {@code addr}; -1 when missing or when a huge leaf sits above it. */
    public int pteTable(long addr, boolean alloc) {
        int pmd = pmdTable(addr, alloc);
        return pmd < 0 ? -1 : lower(pmd, addr, PageSize.PMD_SHIFT, alloc);
    }

    /** The entries of PTE table {@code id}, for walks that iterate a whole table. */
    public long[] entries(int id) {
        return tables[id].e;
    }

    /**
     * The entry of PTE table {@code ptes} for {@code addr}, read without the page-table lock
     * (READ_ONCE: never torn, never hoisted out of a loop).
     */
    public static long entry(long[] ptes, long addr) {
        return entryAt(ptes, idx(addr, PageSize.PAGE_SHIFT));
    }

    /** Entry {@code i} of any table, read without the page-table lock (READ_ONCE). */
    public static long entryAt(long[] table, int i) {
        return (long) ENTRY.getOpaque(table, i);
    }

    /** Whether the table that would hold a PUD-level (or PMD-level) entry for {@code addr} exists. */
    public boolean hasSlot(long addr, boolean pudLevel) {
        return (pudLevel ? pudTable(addr, false) : pmdTable(addr, false)) >= 0;
    }

    public long pud(long addr) {
        int t = pudTable(addr, false);
        return t < 0 ? 0 : tables[t].e[idx(addr, PageSize.PUD_SHIFT)];
    }

    public long pmd(long addr) {
        int t = pmdTable(addr, false);
        return t < 0 ? 0 : tables[t].e[idx(addr, PageSize.PMD_SHIFT)];
    }

    public long pte(long addr) {
        int t = pteTable(addr, false);
        return t < 0 ? 0 : tables[t].e[idx(addr, PageSize.PAGE_SHIFT)];
    }

    private void store(int tableId, int i, long e) {
        Table t = tables[tableId];
        assert !checkLocks || t.lock.isHeldByCurrentThread() : "entry " + i + " of table " + tableId + " changed without its lock";
        long old = t.e[i];
        if (old == 0 && e != 0) {
            t.used++;
        } else if (old != 0 && e == 0) {
            t.used--;
        }
        t.e[i] = e;
    }

    /** Sets the PUD-level entry, allocating the PUD table if needed. */
    public void setPud(long addr, long e) {
        store(pudTable(addr, true), idx(addr, PageSize.PUD_SHIFT), e);
    }

    /** Sets the PMD-level entry; the PUD above must not be a leaf. */
    public void setPmd(long addr, long e) {
        int t = pmdTable(addr, true);
        if (t < 0) {
            throw new IllegalStateException("PUD leaf above " + Long.toHexString(addr));
        }
        store(t, idx(addr, PageSize.PMD_SHIFT), e);
    }

    /** Sets the PTE; the PMD above must not be a leaf. */
    public void setPte(long addr, long e) {
        int t = pteTable(addr, true);
        if (t < 0) {
            throw new IllegalStateException("huge leaf above " + Long.toHexString(addr));
        }
        store(t, idx(addr, PageSize.PAGE_SHIFT), e);
    }

    /** Sets entry {@code i} of table {@code id}, any level (a walk that already holds the table). */
    public void setEntryAt(int id, int i, long e) {
        store(id, i, e);
    }

    /** Non-none entries in table {@code id}. */
    public int used(int id) {
        return tables[id].used;
    }

    /**
     * Installs a fresh PTE table filled from {@code fill} under the PMD slot of {@code addr},
     * replacing a huge leaf there (a PMD split).
     */
    public int replacePmdWithTable(long addr, long[] fill) {
        int pmd = pmdTable(addr, true);
        int id = allocTable(null);
        Table t = tables[id];
        int n = 0;
        for (int i = 0; i < ENTRIES; i++) {
            t.e[i] = fill[i];
            if (fill[i] != 0) {
                n++;
            }
        }
        t.used = n;
        store(pmd, idx(addr, PageSize.PMD_SHIFT), Pte.mkTable(id)); // published filled, as pmd_populate after the PTEs
        return id;
    }

    /**
     * Frees the PTE table under {@code addr}'s PMD slot if it has no entries left. The caller
     * holds the PMD lock and the table's lock, as the kernel's PT_RECLAIM does, so that a walk
     * that found the table before it went sees the PMD entry change and looks again.
     */
    public void freeEmptyPteTable(long addr) {
        int pmd = pmdTable(addr, false);
        if (pmd < 0) {
            return;
        }
        int i = idx(addr, PageSize.PMD_SHIFT);
        long e = tables[pmd].e[i];
        if (Pte.table(e) && tables[Pte.pfn(e)].used == 0) {
            assert !checkLocks || tables[Pte.pfn(e)].lock.isHeldByCurrentThread() : "PTE table freed without its lock";
            store(pmd, i, 0);
            freeTable(Pte.pfn(e));
        }
    }

    /**
     * Moves a whole PTE table from under one PMD slot to another (mremap of aligned ranges,
     * move_normal_pmd): the caller holds both PMD locks and the table's own.
     */
    public void movePteTable(long from, long to) {
        int src = pmdTable(from, false);
        long e = tables[src].e[idx(from, PageSize.PMD_SHIFT)];
        assert !checkLocks || tables[Pte.pfn(e)].lock.isHeldByCurrentThread() : "PTE table moved without its lock";
        store(src, idx(from, PageSize.PMD_SHIFT), 0);
        store(pmdTable(to, true), idx(to, PageSize.PMD_SHIFT), e);
    }

    /** The id of a live table whose count of non-none entries is not what it holds (a change under the wrong lock), or -1. */
    public int miscountedTable() {
        Table[] all = tables;
        for (int id = 0; id < all.length; id++) {
            Table t = all[id];
            if (t == null) {
                continue;
            }
            int n = 0;
            for (long e : t.e) {
                n += e != 0 ? 1 : 0;
            }
            if (n != t.used) {
                return id;
            }
        }
        return -1;
    }

    /** Receives every non-none entry that is not a table pointer. */
    public interface LeafVisitor {
        /** @param level 1 = PTE, 2 = PMD, 3 = PUD */
        void visit(long addr, int level, long entry);
    }

    /** Visits every leaf and non-present entry of the whole tree, in address order; the caller keeps the tables still. */
    public void forEachLeaf(LeafVisitor v) {
        walkTable(PGD, 0, PageSize.PGDIR_SHIFT, 4, v);
    }

    private void walkTable(int id, long base, int shift, int level, LeafVisitor v) {
        long[] t = tables[id].e;
        for (int i = 0; i < ENTRIES; i++) {
            long e = t[i];
            if (e == 0) {
                continue;
            }
            long addr = base + ((long) i << shift);
            if (Pte.table(e)) {
                walkTable(Pte.pfn(e), addr, shift - 9, level - 1, v);
            } else {
                v.visit(addr, level, e);
            }
        }
    }
}
