package jhmm.mm;

/** Bits of a VMA's flags (vm_flags). */
public final class VmFlags {
    public static final int READ = 1;
    public static final int WRITE = 1 << 1;
    public static final int EXEC = 1 << 2;
    public static final int SHARED = 1 << 3;
    public static final int MAYREAD = 1 << 4;
    public static final int MAYWRITE = 1 << 5;
    public static final int MAYEXEC = 1 << 6;
    public static final int MAYSHARE = 1 << 7;
    /** Memory-mapped I/O: no struct pages, never touched by GUP. */
    public static final int IO = 1 << 8;
    /** Raw PFNs inserted by a driver (remap_pfn_range). */
    public static final int PFNMAP = 1 << 9;
    /** A mix of struct pages and raw PFNs (vm_insert_page / vmf_insert_mixed). */
    public static final int MIXEDMAP = 1 << 10;
    public static final int HUGETLB = 1 << 11;
    public static final int HUGEPAGE = 1 << 12;
    public static final int NOHUGEPAGE = 1 << 13;
    public static final int DONTCOPY = 1 << 14;
    /** The mapping's memory is charged to the commit limit (private and writable once). */
    public static final int ACCOUNT = 1 << 15;

    public static final int ACCESS = READ | WRITE | EXEC;

    private VmFlags() {}

    /** The VM_READ/WRITE/EXEC bits for a PROT_* value. */
    public static int fromProt(int prot) {
        int f = 0;
        if ((prot & Mman.PROT_READ) != 0) {
            f |= READ;
        }
        if ((prot & Mman.PROT_WRITE) != 0) {
            f |= WRITE;
        }
        if ((prot & Mman.PROT_EXEC) != 0) {
            f |= EXEC;
        }
        return f;
    }
}
