package jhmm.diff;

import jhmm.mm.ProcPagemap;

/**
 * One page as both sides can honestly show it, packed in an int: what the entry is (none,
 * present, the zero page, a swap-like entry), whether a PMD maps it, whether it is page cache
 * or shared memory rather than private anonymous memory, and whether its folio is a THP.
 * Not here, because the host cannot show it: the PTE's write bit, dirty and accessed bits,
 * and whether a PROT_NONE page is mapped (pagemap calls it present).
 */
final class PageCodes {
    static final int NONE = 0;
    static final int PRESENT = 1;
    static final int ZERO = 2;
    static final int SWAP = 3;
    static final int KIND = 3;
    static final int HUGE = 1 << 2;
    static final int FILE = 1 << 3;
    static final int THP = 1 << 4;

    private PageCodes() {}

    /** The code of a page from its pagemap entry, its scan categories and its frame's kpageflags. */
    static int of(long pagemap, int categories, long kpageflags) {
        if ((categories & ProcPagemap.PAGE_IS_SWAPPED) != 0 || (pagemap & ProcPagemap.PM_SWAP) != 0) {
            return SWAP;
        }
        if ((categories & ProcPagemap.PAGE_IS_PRESENT) == 0 && (pagemap & ProcPagemap.PM_PRESENT) == 0) {
            return NONE;
        }
        int code = (categories & ProcPagemap.PAGE_IS_PFNZERO) != 0 ? ZERO : PRESENT;
        if ((categories & ProcPagemap.PAGE_IS_HUGE) != 0) {
            code |= HUGE;
        }
        if ((categories & ProcPagemap.PAGE_IS_FILE) != 0) {
            code |= FILE;
        }
        // A page-cache folio's size is the filesystem's choice (ext4 makes large folios since
        // 6.16); the model's page cache is order-0, so THP is compared for anonymous memory only.
        if (code == PRESENT || code == (PRESENT | HUGE)) {
            if ((kpageflags & (1L << ProcPagemap.KPF_THP)) != 0) {
                code |= THP;
            }
        }
        return code;
    }

    /** Words for a code, as the diff prints it: {@code present+huge+thp}, {@code zero}, {@code none}. */
    static String describe(int code) {
        StringBuilder s = new StringBuilder(switch (code & KIND) {
            case NONE -> "none";
            case PRESENT -> "present";
            case ZERO -> "zero";
            default -> "swap";
        });
        if ((code & HUGE) != 0) {
            s.append("+pmd");
        }
        if ((code & FILE) != 0) {
            s.append("+file");
        }
        if ((code & THP) != 0) {
            s.append("+thp");
        }
        return s.toString();
    }
}
