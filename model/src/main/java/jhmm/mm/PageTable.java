package jhmm.mm;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import jhmm.base.PageSize;

/**
 * A 4-level x86-64 page table: PGD, PUD, PMD and PTE tables of 512 packed entries each.
 *
 * <p>Tables live in a pool of {@code long[512]} arrays named by an int id (the PGD is id 0);
 * an upper-level entry pointing to a lower table holds that id. Each table counts its
 * non-none entries so that empty PTE tables can be freed without scanning them.
 * Callers hold the owning address space's page-table lock around every change.
 */
public final class PageTable {
    public static final int ENTRIES = 512;
    private static final int PGD = 0;
    private static final VarHandle ENTRY = MethodHandles.arrayElementVarHandle(long[].class);

    private long[][] tables = new long[64][];
    private int[] used = new int[64];
    private int[] freeIds = new int[16];
    private int nrFree;
    private int nextId;
    private int liveTables;

    public PageTable() {
        allocTable();
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

    private int allocTable() {
        int id;
        if (nrFree > 0) {
            id = freeIds[--nrFree];
        } else {
            if (nextId == tables.length) {
                tables = Arrays.copyOf(tables, nextId * 2);
                used = Arrays.copyOf(used, nextId * 2);
            }
            id = nextId++;
        }
        tables[id] = new long[ENTRIES];
        used[id] = 0;
        liveTables++;
        return id;
    }

    private void freeTable(int id) {
        tables[id] = null;
        if (nrFree == freeIds.length) {
            freeIds = Arrays.copyOf(freeIds, nrFree * 2);
        }
        freeIds[nrFree++] = id;
        liveTables--;
    }

    /** Tables currently allocated, all levels. */
    public int liveTables() {
        return liveTables;
    }

    private int lower(int tableId, long addr, int shift, boolean alloc) {
        long[] t = tables[tableId];
        int i = idx(addr, shift);
        long e = t[i];
        if (Pte.table(e)) {
            return Pte.pfn(e);
        }
        if (e != 0 || !alloc) {
            return -1;
        }
        int id = allocTable();
        t[i] = Pte.mkTable(id);
        used[tableId]++;
        return id;
    }

    private int pudTable(long addr, boolean alloc) {
        return lower(PGD, addr, PageSize.PGDIR_SHIFT, alloc);
    }

    private int pmdTable(long addr, boolean alloc) {
        int pud = pudTable(addr, alloc);
        return pud < 0 ? -1 : lower(pud, addr, PageSize.PUD_SHIFT, alloc);
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
        return tables[id];
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
        return t < 0 ? 0 : tables[t][idx(addr, PageSize.PUD_SHIFT)];
    }

    public long pmd(long addr) {
        int t = pmdTable(addr, false);
        return t < 0 ? 0 : tables[t][idx(addr, PageSize.PMD_SHIFT)];
    }

    public long pte(long addr) {
        int t = pteTable(addr, false);
        return t < 0 ? 0 : tables[t][idx(addr, PageSize.PAGE_SHIFT)];
    }

    private void store(int tableId, int i, long e) {
        long[] t = tables[tableId];
        long old = t[i];
        if (old == 0 && e != 0) {
            used[tableId]++;
        } else if (old != 0 && e == 0) {
            used[tableId]--;
        }
        t[i] = e;
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
        return used[id];
    }

    /**
     * Installs a fresh PTE table filled from {@code fill} under the PMD slot of {@code addr},
     * replacing a huge leaf there (a PMD split).
     */
    public int replacePmdWithTable(long addr, long[] fill) {
        int pmd = pmdTable(addr, true);
        int id = allocTable();
        long[] t = tables[id];
        int n = 0;
        for (int i = 0; i < ENTRIES; i++) {
            t[i] = fill[i];
            if (fill[i] != 0) {
                n++;
            }
        }
        used[id] = n;
        store(pmd, idx(addr, PageSize.PMD_SHIFT), Pte.mkTable(id));
        return id;
    }

    /** Frees the PTE table under {@code addr}'s PMD slot if it has no entries left. */
    public void freeEmptyPteTable(long addr) {
        int pmd = pmdTable(addr, false);
        if (pmd < 0) {
            return;
        }
        int i = idx(addr, PageSize.PMD_SHIFT);
        long e = tables[pmd][i];
        if (Pte.table(e) && used[Pte.pfn(e)] == 0) {
            freeTable(Pte.pfn(e));
            store(pmd, i, 0);
        }
    }

    /** Moves a whole PTE table from under one PMD slot to another (mremap of aligned ranges). */
    public void movePteTable(long from, long to) {
        int src = pmdTable(from, false);
        long e = tables[src][idx(from, PageSize.PMD_SHIFT)];
        store(src, idx(from, PageSize.PMD_SHIFT), 0);
        store(pmdTable(to, true), idx(to, PageSize.PMD_SHIFT), e);
    }

    /** Receives every non-none entry that is not a table pointer. */
    public interface LeafVisitor {
        /** @param level 1 = PTE, 2 = PMD, 3 = PUD */
        void visit(long addr, int level, long entry);
    }

    /** Visits every leaf and non-present entry of the whole tree, in address order. */
    public void forEachLeaf(LeafVisitor v) {
        walkTable(PGD, 0, PageSize.PGDIR_SHIFT, 4, v);
    }

    private void walkTable(int id, long base, int shift, int level, LeafVisitor v) {
        long[] t = tables[id];
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
