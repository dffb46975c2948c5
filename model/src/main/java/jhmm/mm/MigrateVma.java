package jhmm.mm;

import jhmm.base.PageSize;

/**
 * struct migrate_vma: a request to move [start, end) of one VMA between system and device
 * memory. {@code src} and {@code dst} hold one MIGRATE_PFN entry per 4 KiB page: a frame
 * number shifted left by {@link #SHIFT} plus flags. A compound entry stands for a whole
 * PMD-sized folio; the 511 slots after it stay 0 unless the migration falls back to pages.
 */
public final class MigrateVma {
    public static final long VALID = 1;
    public static final long MIGRATE = 1 << 1;
    public static final long WRITE = 1 << 3;
    public static final long COMPOUND = 1 << 4;
    public static final int SHIFT = 6;

    /** Collect system pages. */
    public static final int SELECT_SYSTEM = 1;
    /** Collect device-private pages of {@link #pgmapOwner}. */
    public static final int SELECT_DEVICE_PRIVATE = 1 << 1;
    /** Collect device-coherent pages of {@link #pgmapOwner}. */
    public static final int SELECT_DEVICE_COHERENT = 1 << 2;
    /** Collect a PMD-mapped folio (or an empty PMD-sized block) as one compound entry. */
    public static final int SELECT_COMPOUND = 1 << 3;

    public Vma vma;
    public long start;
    public long end;
    public long[] src;
    public long[] dst;
    /** Pages in the range. */
    public int npages;
    /** Entries collected and unmapped, ready to move. */
    public int cpages;
    public Object pgmapOwner;
    public int flags;
    /** The device page a CPU fault is migrating (it is already locked by the fault path), or -1. */
    public int faultPage = -1;

    public MigrateVma(Vma vma, long start, long end, Object pgmapOwner, int flags) {
        this.vma = vma;
        this.start = start;
        this.end = end;
        this.pgmapOwner = pgmapOwner;
        this.flags = flags;
        int n = (int) (((end & PageSize.PAGE_MASK) - (start & PageSize.PAGE_MASK)) >>> PageSize.PAGE_SHIFT);
        this.src = new long[Math.max(n, 0)];
        this.dst = new long[Math.max(n, 0)];
    }

    /** migrate_pfn: a destination or source entry for {@code pfn}. */
    public static long entry(int pfn) {
        return ((long) pfn << SHIFT) | VALID;
    }

    public static int pfn(long mpfn) {
        return (int) (mpfn >>> SHIFT);
    }

    public static boolean valid(long mpfn) {
        return (mpfn & VALID) != 0;
    }
}
