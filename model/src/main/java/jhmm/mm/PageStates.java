package jhmm.mm;

import java.util.concurrent.locks.ReentrantLock;
import jhmm.base.PageSize;

/** Reads what the CPU page table holds for one address, for reports and expectations. */
public final class PageStates {
    private PageStates() {}

    public static PageState of(Mm mm, long addr) {
        ReentrantLock ptl = mm.lockEntry(addr);
        try {
            long pud = mm.pt.pud(addr);
            if (Pte.leaf(pud)) {
                return Pte.present(pud) ? PageState.HUGE_PUD : nonPresent(pud);
            }
            long pmd = mm.pt.pmd(addr);
            if (Pte.leaf(pmd)) {
                if (Pte.present(pmd)) {
                    return PageState.HUGE_PMD;
                }
                return nonPresent(pmd);
            }
            long e = mm.pt.pte(addr);
            if (Pte.none(e)) {
                return PageState.NONE;
            }
            if (!Pte.present(e)) {
                return nonPresent(e);
            }
            if (Pte.protnone(e)) {
                return PageState.PROTNONE;
            }
            if (Pte.pfn(e) == mm.sys.phys.zeroPfn() && Pte.special(e)) {
                return PageState.ZERO;
            }
            return Pte.writable(e) ? PageState.PRESENT_RW : PageState.PRESENT_RO;
        } finally {
            ptl.unlock();
        }
    }

    private static PageState nonPresent(long e) {
        if (Pte.isSwap(e)) {
            return PageState.SWAP;
        }
        if (Pte.isMigration(e)) {
            return PageState.MIGRATION;
        }
        if (Pte.isDevicePrivate(e)) {
            return PageState.DEVICE_PRIVATE;
        }
        if (Pte.isDeviceExclusive(e)) {
            return PageState.DEVICE_EXCLUSIVE;
        }
        return PageState.NONE;
    }

    /**
     * The entry that translates {@code addr}, at whatever level it sits; for a huge leaf the
     * frame field names the 4 KiB frame of {@code addr} itself. 0 when nothing maps it.
     */
    public static long entryAt(Mm mm, long addr) {
        ReentrantLock ptl = mm.lockEntry(addr);
        try {
            long e = mm.pt.pud(addr);
            long mask = PageSize.PUD_SIZE - 1;
            if (!Pte.leaf(e)) {
                e = mm.pt.pmd(addr);
                mask = PageSize.PMD_SIZE - 1;
                if (!Pte.leaf(e)) {
                    return mm.pt.pte(addr);
                }
            }
            return Pte.withPfn(e, Pte.pfn(e) + (int) ((addr & mask) >>> PageSize.PAGE_SHIFT));
        } finally {
            ptl.unlock();
        }
    }

    /** The frame mapped (accessibly or PROT_NONE) at {@code addr}, or -1. */
    public static int frameAt(Mm mm, long addr) {
        long e = entryAt(mm, addr);
        return Pte.present(e) && !Pte.special(e) ? Pte.pfn(e) : -1;
    }
}
