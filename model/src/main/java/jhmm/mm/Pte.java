package jhmm.mm;

/**
 * Packed page-table entries, one {@code long} each, at every level (PGD, PUD, PMD, PTE).
 *
 * <p>Low 16 bits are flags, bits 16..55 the frame number (or the lower table's id for a
 * {@link #TABLE} entry, or the swap slot for a swap entry). A non-present entry that is not
 * zero carries a {@code kind} (bits 9..11): swap, migration, device-private or
 * device-exclusive, each in a read and a write flavour, as the kernel's swap-entry types do.
 * The value 0 is pte_none.
 */
public final class Pte {
    public static final long PRESENT = 1;
    public static final long WRITE = 1 << 1;
    public static final long DIRTY = 1 << 2;
    public static final long ACCESSED = 1 << 3;
    /** A leaf at PMD or PUD level. */
    public static final long HUGE = 1 << 4;
    /** No struct page behind it (VM_PFNMAP / VM_MIXEDMAP insertions, the zero page). */
    public static final long SPECIAL = 1 << 5;
    /** Points to a lower-level table. */
    public static final long TABLE = 1 << 6;
    /** Maps a frame but grants no access (PROT_NONE): pte_present() is still true. */
    public static final long PROTNONE = 1 << 7;
    /** In a swap or migration entry: the page was PageAnonExclusive when unmapped. */
    public static final long EXCLUSIVE = 1 << 8;

    private static final int KIND_SHIFT = 9;
    private static final long KIND_MASK = 7L << KIND_SHIFT;
    public static final int KIND_SWAP = 1;
    public static final int KIND_MIGRATION_READ = 2;
    public static final int KIND_MIGRATION_WRITE = 3;
    public static final int KIND_DEVICE_PRIVATE_READ = 4;
    public static final int KIND_DEVICE_PRIVATE_WRITE = 5;
    public static final int KIND_DEVICE_EXCLUSIVE_READ = 6;
    public static final int KIND_DEVICE_EXCLUSIVE_WRITE = 7;

    private static final int PFN_SHIFT = 16;
    private static final long PFN_MASK = (1L << 40) - 1;

    private Pte() {}

    public static boolean none(long e) {
        return e == 0;
    }

    /** pte_present(): maps a frame, accessible or PROT_NONE. */
    public static boolean present(long e) {
        return (e & (PRESENT | PROTNONE)) != 0;
    }

    /** Hardware-accessible mapping. */
    public static boolean accessible(long e) {
        return (e & PRESENT) != 0;
    }

    public static boolean protnone(long e) {
        return (e & PROTNONE) != 0;
    }

    public static boolean writable(long e) {
        return (e & WRITE) != 0;
    }

    public static boolean dirty(long e) {
        return (e & DIRTY) != 0;
    }

    public static boolean huge(long e) {
        return (e & HUGE) != 0;
    }

    public static boolean special(long e) {
        return (e & SPECIAL) != 0;
    }

    public static boolean table(long e) {
        return (e & TABLE) != 0;
    }

    /** A leaf at an upper level: a huge mapping or a huge non-present entry. */
    public static boolean leaf(long e) {
        return e != 0 && (e & TABLE) == 0;
    }

    public static int pfn(long e) {
        return (int) ((e >>> PFN_SHIFT) & PFN_MASK);
    }

    /** The non-present kind, or 0 for none and present entries. */
    public static int kind(long e) {
        return (int) ((e & KIND_MASK) >>> KIND_SHIFT);
    }

    public static boolean isSwap(long e) {
        return kind(e) == KIND_SWAP;
    }

    public static boolean isMigration(long e) {
        int k = kind(e);
        return k == KIND_MIGRATION_READ || k == KIND_MIGRATION_WRITE;
    }

    public static boolean isDevicePrivate(long e) {
        int k = kind(e);
        return k == KIND_DEVICE_PRIVATE_READ || k == KIND_DEVICE_PRIVATE_WRITE;
    }

    public static boolean isDeviceExclusive(long e) {
        int k = kind(e);
        return k == KIND_DEVICE_EXCLUSIVE_READ || k == KIND_DEVICE_EXCLUSIVE_WRITE;
    }

    /** Non-present entries of the write flavour (migration, device-private, device-exclusive). */
    public static boolean kindWritable(long e) {
        int k = kind(e);
        return k == KIND_MIGRATION_WRITE || k == KIND_DEVICE_PRIVATE_WRITE || k == KIND_DEVICE_EXCLUSIVE_WRITE;
    }

    /** A present mapping of {@code pfn} with the given flag bits. */
    public static long mk(int pfn, long flags) {
        return ((long) pfn << PFN_SHIFT) | flags | PRESENT;
    }

    /** A pointer to lower table {@code id}. */
    public static long mkTable(int id) {
        return ((long) id << PFN_SHIFT) | TABLE;
    }

    /** A non-present entry of {@code kind} holding {@code value} (pfn or swap slot). */
    public static long mkNonPresent(int kind, long value, long flags) {
        return (value << PFN_SHIFT) | ((long) kind << KIND_SHIFT) | (flags & (EXCLUSIVE | HUGE));
    }

    public static long withPfn(long e, int pfn) {
        return (e & ~(PFN_MASK << PFN_SHIFT)) | ((long) pfn << PFN_SHIFT);
    }

    public static long set(long e, long bits) {
        return e | bits;
    }

    public static long clear(long e, long bits) {
        return e & ~bits;
    }
}
