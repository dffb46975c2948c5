package jhmm.base;

/** x86-64 page geometry with 4 KiB base pages: PTE, PMD (2 MiB) and PUD (1 GiB) leaves. */
public final class PageSize {
    public static final int PAGE_SHIFT = 12;
    public static final long PAGE_SIZE = 1L << PAGE_SHIFT;
    public static final long PAGE_MASK = ~(PAGE_SIZE - 1);
    public static final int PMD_SHIFT = 21;
    public static final long PMD_SIZE = 1L << PMD_SHIFT;
    public static final long PMD_MASK = ~(PMD_SIZE - 1);
    public static final int PUD_SHIFT = 30;
    public static final long PUD_SIZE = 1L << PUD_SHIFT;
    public static final long PUD_MASK = ~(PUD_SIZE - 1);
    public static final int PGDIR_SHIFT = 39;
    /** Order of a PMD-sized folio (512 base pages). */
    public static final int PMD_ORDER = PMD_SHIFT - PAGE_SHIFT;
    /** Order of a PUD-sized folio (262144 base pages). */
    public static final int PUD_ORDER = PUD_SHIFT - PAGE_SHIFT;
    public static final int HPAGE_PMD_NR = 1 << PMD_ORDER;
    /** User address space ends here (47-bit, 4-level paging). */
    public static final long TASK_SIZE = 1L << 47;

    private PageSize() {}

    public static long pageAlignUp(long x) {
        return (x + PAGE_SIZE - 1) & PAGE_MASK;
    }

    /**
     * The end of [addr, addr + len) with len rounded up to whole pages, or -1 when that range
     * leaves the user address space or wraps (the syscalls' own overflow checks).
     */
    public static long userRangeEnd(long addr, long len) {
        if (len < 0 || len > TASK_SIZE || addr < 0 || addr > TASK_SIZE) {
            return -1;
        }
        long end = addr + pageAlignUp(len);
        return end > TASK_SIZE ? -1 : end;
    }

    public static boolean isPageAligned(long x) {
        return (x & (PAGE_SIZE - 1)) == 0;
    }

    public static long pages(long bytes) {
        return bytes >>> PAGE_SHIFT;
    }
}
