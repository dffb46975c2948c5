package jhmm.mm;

import java.util.concurrent.locks.ReentrantLock;
import jhmm.base.Errno;
import jhmm.base.PageSize;
import jhmm.phys.PageFlags;
import jhmm.phys.PageFrames;

/**
 * make_device_exclusive (mm/rmap.c, 6.15+): gives a device atomic access to one anonymous
 * page by replacing the CPU's PTE with a non-present device-exclusive entry (inside an
 * EXCLUSIVE invalidation carrying the device as owner). The page stays mapped and counted;
 * the next CPU access restores an ordinary PTE (another EXCLUSIVE invalidation, no owner).
 */
public final class DeviceExclusive {
    private static final int MAX_TRIES = 16;

    private DeviceExclusive() {}

    /**
     * Makes the page at {@code addr} device-exclusive for {@code owner}; the caller holds the
     * mmap lock for reading. Returns the frame, or -EFAULT (no VMA, not writable, fault
     * failed) or -EOPNOTSUPP (not an anonymous page, or hugetlb).
     */
    public static int make(Mm mm, long addr, Object owner) {
        long page = addr & PageSize.PAGE_MASK;
        Vma vma = mm.findVma(page);
        if (vma == null || !vma.has(VmFlags.WRITE)) {
            return -Errno.EFAULT;
        }
        if (vma.isHugetlb() || vma.isSpecial()) {
            return -Errno.EOPNOTSUPP;
        }
        for (int tries = 0; tries < MAX_TRIES; tries++) {
            long haddr = page & PageSize.PMD_MASK;
            if (Pte.leaf(mm.pt.pmd(haddr))) {
                mm.sys.huge.splitPmd(vma, haddr); // FOLL_SPLIT_PMD
            }
            long e = mm.readPte(page);
            if (!Pte.accessible(e) || !Pte.writable(e)) {
                int ret = mm.sys.fault.handle(vma, page, Fault.FLAG_WRITE);
                if (ret != Fault.OK && ret != Fault.RETRY) {
                    return -Errno.EFAULT;
                }
                continue;
            }
            int pfn = Pte.pfn(e);
            PageFrames f = mm.sys.phys.frames();
            if (Pte.special(e) || !f.test(f.head(pfn), PageFlags.ANON)) {
                return -Errno.EOPNOTSUPP;
            }
            NotifierRange r = mm.invalidateStart(NotifierEvent.EXCLUSIVE, page, page + PageSize.PAGE_SIZE, owner);
            boolean done = false;
            ReentrantLock ptl = mm.lockEntry(page);
            try {
                if (mm.pt.pte(page) == e) {
                    if (Pte.dirty(e)) {
                        f.set(pfn, PageFlags.DIRTY);
                    }
                    mm.pt.setPte(page, Pte.mkNonPresent(Pte.KIND_DEVICE_EXCLUSIVE_WRITE, pfn, 0));
                    done = true;
                }
            } finally {
                ptl.unlock();
            }
            mm.invalidateEnd(r);
            if (done) {
                return pfn;
            }
        }
        return -Errno.EBUSY;
    }

    /** The ordinary PTE a device-exclusive entry gives back (restore_exclusive_pte). */
    static long restored(Vma vma, long e) {
        int pfn = Pte.pfn(e);
        long bits = Pte.ACCESSED;
        if (vma.mm.sys.phys.frames().test(pfn, PageFlags.DIRTY)) {
            bits |= Pte.DIRTY;
        }
        if (Pte.kindWritable(e) && vma.has(VmFlags.WRITE)) {
            bits |= Pte.WRITE;
        }
        return Pte.mk(pfn, bits);
    }
}
