package jhmm.gup;

/** The FOLL_* flags of get_user_pages (include/linux/mm_types.h), with Linux's values. */
public final class Foll {
    /** The caller will write the pages: read-only PTEs are write-faulted (COW broken). */
    public static final int WRITE = 1;
    /** Take a plain reference (set by the get_* entry points, never by callers). */
    public static final int GET = 1 << 1;
    /**
     * For core dumps (get_dump_page): holes of anonymous VMAs, the zero page and other special
     * entries are -EFAULT instead of being faulted in or handed out.
     */
    public static final int DUMP = 1 << 2;
    /** Write a read-only private mapping as ptrace does: a COW copy, the VMA stays read-only. */
    public static final int FORCE = 1 << 3;
    /**
     * Do not wait in a fault (swap-in I/O): a fault that would wait ends the call, which returns
     * the pages got so far, or 0; never an errno.
     */
    public static final int NOWAIT = 1 << 4;
    /** Never fault: pages not mapped as needed are a failure. */
    public static final int NOFAULT = 1 << 5;
    /** The pin may last indefinitely: movable and device-coherent pages are migrated out first. */
    public static final int LONGTERM = 1 << 8;
    /** Take a pin (set by the pin_* entry points, never by callers). */
    public static final int PIN = 1 << 13;

    private Foll() {}
}
