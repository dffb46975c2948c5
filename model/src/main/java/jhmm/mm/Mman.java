package jhmm.mm;

/** The constants of the user-space memory-management API (uapi mman.h), with Linux's values. */
public final class Mman {
    public static final int PROT_NONE = 0;
    public static final int PROT_READ = 1;
    public static final int PROT_WRITE = 2;
    public static final int PROT_EXEC = 4;

    public static final int MAP_SHARED = 0x01;
    public static final int MAP_PRIVATE = 0x02;
    public static final int MAP_FIXED = 0x10;
    public static final int MAP_ANONYMOUS = 0x20;
    public static final int MAP_POPULATE = 0x8000;
    public static final int MAP_HUGETLB = 0x40000;
    public static final int MAP_HUGE_SHIFT = 26;
    public static final int MAP_HUGE_2MB = 21 << MAP_HUGE_SHIFT;
    public static final int MAP_HUGE_1GB = 30 << MAP_HUGE_SHIFT;

    public static final int MADV_DONTNEED = 4;
    public static final int MADV_FREE = 8;
    public static final int MADV_HUGEPAGE = 14;
    public static final int MADV_NOHUGEPAGE = 15;
    public static final int MADV_PAGEOUT = 21;
    public static final int MADV_POPULATE_READ = 22;
    public static final int MADV_POPULATE_WRITE = 23;
    public static final int MADV_COLLAPSE = 25;

    public static final int MREMAP_MAYMOVE = 1;
    public static final int MREMAP_FIXED = 2;
    public static final int MREMAP_DONTUNMAP = 4;

    private Mman() {}
}
