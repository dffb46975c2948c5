package jhmm.mm;

import java.util.concurrent.locks.ReentrantLock;
import jhmm.base.PageSize;
import jhmm.phys.PageFlags;
import jhmm.phys.PageFrames;
import jhmm.phys.PhysicalMemory;

/**
 * What Linux's page-table reporting interfaces would show of the model, in the kernel's own bit
 * layouts: a {@code /proc/PID/pagemap} entry, a {@code /proc/kpageflags} word and the
 * categories of the {@code PAGEMAP_SCAN} ioctl. A tool that reads those files on the host reads
 * the model the same way, so the two can be compared bit for bit where both can show a bit.
 */
public final class ProcPagemap {
    /** pagemap: the page is present (bit 63). */
    public static final long PM_PRESENT = 1L << 63;
    /** pagemap: the entry is a swap entry (bit 62). */
    public static final long PM_SWAP = 1L << 62;
    /** pagemap: a present page that is not anonymous: page cache or shared anonymous (shmem) (bit 61). */
    public static final long PM_FILE = 1L << 61;
    /** pagemap: bits 0-54 hold the frame number of a present page. */
    public static final long PM_PFN_MASK = (1L << 55) - 1;

    /** kpageflags bits (include/uapi/linux/kernel-page-flags.h). */
    public static final int KPF_ANON = 12;
    public static final int KPF_COMPOUND_HEAD = 15;
    public static final int KPF_COMPOUND_TAIL = 16;
    public static final int KPF_HUGE = 17;
    public static final int KPF_THP = 22;
    public static final int KPF_ZERO_PAGE = 24;

    /** PAGEMAP_SCAN categories (include/uapi/linux/fs.h). */
    public static final int PAGE_IS_FILE = 1 << 2;
    public static final int PAGE_IS_PRESENT = 1 << 3;
    public static final int PAGE_IS_SWAPPED = 1 << 4;
    public static final int PAGE_IS_PFNZERO = 1 << 5;
    public static final int PAGE_IS_HUGE = 1 << 6;

    private ProcPagemap() {}

    /**
     * The pagemap entry of the page at {@code addr}: present with its frame, swapped, or 0.
     * Migration, device-private and device-exclusive entries show as swap entries, as the
     * kernel reports every non-present, non-none entry.
     */
    public static long entry(Mm mm, long addr) {
        long e = PageStates.entryAt(mm, addr);
        if (Pte.none(e)) {
            return 0;
        }
        if (!Pte.present(e)) {
            return PM_SWAP;
        }
        int pfn = Pte.pfn(e);
        long pm = PM_PRESENT | (pfn & PM_PFN_MASK);
        PhysicalMemory phys = mm.sys.phys;
        if (!phys.isZeroPfn(pfn) && !phys.frames().test(phys.frames().head(pfn), PageFlags.ANON)) {
            pm |= PM_FILE;
        }
        return pm;
    }

    /** The PAGEMAP_SCAN categories of the page at {@code addr} that the model can know. */
    public static int scanCategories(Mm mm, long addr) {
        long pm = entry(mm, addr);
        if ((pm & PM_SWAP) != 0) {
            return PAGE_IS_SWAPPED;
        }
        if ((pm & PM_PRESENT) == 0) {
            return 0;
        }
        int c = PAGE_IS_PRESENT;
        if (mm.sys.phys.isZeroPfn((int) (pm & PM_PFN_MASK))) {
            c |= PAGE_IS_PFNZERO;
        } else if ((pm & PM_FILE) != 0) {
            c |= PAGE_IS_FILE;
        }
        return leafLevel(mm, addr) > 0 ? c | PAGE_IS_HUGE : c;
    }

    /** The kpageflags word of frame {@code pfn}, for the bits the model keeps. */
    public static long kpageflags(PhysicalMemory phys, int pfn) {
        PageFrames f = phys.frames();
        long k = 0;
        if (phys.isZeroPfn(pfn)) {
            k |= 1L << KPF_ZERO_PAGE;
        }
        int head = f.head(pfn);
        if (f.test(head, PageFlags.ANON)) {
            k |= 1L << KPF_ANON;
        }
        if (f.isLarge(pfn)) {
            k |= 1L << (head == pfn ? KPF_COMPOUND_HEAD : KPF_COMPOUND_TAIL);
            if (f.test(head, PageFlags.HUGETLB)) {
                k |= 1L << KPF_HUGE;
            } else if (!phys.isZeroPfn(pfn)) {
                k |= 1L << KPF_THP;
            }
        }
        return k;
    }

    /** 0 when a PTE translates {@code addr}, 1 for a PMD leaf, 2 for a PUD leaf. */
    private static int leafLevel(Mm mm, long addr) {
        ReentrantLock ptl = mm.lockEntry(addr);
        try {
            if (Pte.leaf(mm.pt.pud(addr))) {
                return 2;
            }
            return Pte.leaf(mm.pt.pmd(addr & PageSize.PMD_MASK)) ? 1 : 0;
        } finally {
            ptl.unlock();
        }
    }
}
