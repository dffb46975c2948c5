package jhmm.mm;

import java.util.concurrent.locks.ReentrantLock;
import jhmm.base.Errno;
import jhmm.base.PageSize;
import jhmm.base.Pattern;
import jhmm.phys.ContentStore;
import jhmm.phys.PageFlags;

/**
 * CPU loads and stores by a process on its own memory: each page is translated through the
 * page table, and a miss or a permission fault goes through the fault handler as the MMU's
 * trap would. An access Linux would answer with SIGSEGV or SIGBUS returns -EFAULT.
 *
 * <p>The access to a page's bytes is done with the page-table lock still held from its
 * translation: whoever changes the entry (an unmap, reclaim, migration) takes that lock, so
 * an access through the old translation has finished by then, as the TLB flush after an
 * unmap waits for every CPU. Reclaim and migration copy a page only after unmapping it, so no
 * store lands in the old frame after its copy.
 */
public final class UserAccess {
    /** Faults in a row that find memory short before an access gives up with -ENOMEM. */
    private static final int OOM_TRIES = 64;

    private UserAccess() {}

    /** Writes pattern bytes over [addr, addr+len); {@code origin} is where the pattern starts. */
    public static int write(Mm mm, long addr, long len, Pattern p, long origin) {
        ContentStore data = mm.sys.phys.data();
        long a = addr;
        long end = addr + len;
        int[] frame = new int[1];
        while (a < end) {
            ReentrantLock ptl = translate(mm, a, true, frame);
            if (ptl == null) {
                return frame[0];
            }
            int off = (int) (a & ~PageSize.PAGE_MASK);
            int n = (int) Math.min(PageSize.PAGE_SIZE - off, end - a);
            try {
                data.writePattern(frame[0], off, n, p, (a & PageSize.PAGE_MASK) - origin);
            } finally {
                ptl.unlock();
            }
            a += n;
        }
        return 0;
    }

    /** Reads [addr, addr+len) into {@code dst}. */
    public static int read(Mm mm, long addr, byte[] dst, int dstOff, int len) {
        ContentStore data = mm.sys.phys.data();
        long a = addr;
        long end = addr + len;
        int[] frame = new int[1];
        while (a < end) {
            ReentrantLock ptl = translate(mm, a, false, frame);
            if (ptl == null) {
                return frame[0];
            }
            int off = (int) (a & ~PageSize.PAGE_MASK);
            int n = (int) Math.min(PageSize.PAGE_SIZE - off, end - a);
            try {
                data.read(frame[0], off, dst, dstOff + (int) (a - addr), n);
            } finally {
                ptl.unlock();
            }
            a += n;
        }
        return 0;
    }

    /**
     * The frame backing {@code addr} once accessible for the access, faulting as needed;
     * -EFAULT where the CPU would raise a signal. A fault that did not map the page is taken
     * again for as long as it takes ({@link FaultRetry}). One that ends in VM_FAULT_OOM is taken
     * again too, as pagefault_out_of_memory() lets the access retry (Linux 5.16+), so a
     * transient allocation failure (a device driver's injected one) goes unseen; -ENOMEM when
     * memory stays short for {@link #OOM_TRIES} tries, where Linux's allocator would call the
     * OOM killer. The frame goes to {@code frame[0]} and the lock guarding its entry comes back
     * held, for the access; the caller releases it. On failure the lock is null and
     * {@code frame[0]} holds -errno.
     */
    static ReentrantLock translate(Mm mm, long addr, boolean write, int[] frame) {
        int ooms = 0;
        long since = 0;
        for (int tries = 0; ; tries++) {
            since = FaultRetry.pause(tries, since, addr);
            ReentrantLock ptl = mm.lockEntry(addr);
            int pfn = lookupLocked(mm, addr, write);
            if (pfn >= 0) {
                frame[0] = pfn;
                return ptl;
            }
            ptl.unlock();
            mm.mmapLock().readLock().lock();
            try {
                Vma v = mm.findVma(addr);
                if (v == null || accessError(v, write)) {
                    frame[0] = -Errno.EFAULT;
                    return null;
                }
                if (mm.sys.fault.mustWait(PageStates.entryAt(mm, addr))) {
                    // migration_entry_wait or a swap-in waiting for reclaim's write: sleep until it ends
                    mm.sys.fault.waitForMigration(mm, addr);
                    continue;
                }
                int ret = mm.sys.fault.handle(v, addr, write ? Fault.FLAG_WRITE : 0);
                ooms = ret == Fault.OOM ? ooms + 1 : 0;
                if (ooms == OOM_TRIES) {
                    frame[0] = -Errno.ENOMEM;
                    return null;
                }
                if (ret != Fault.OK && ret != Fault.RETRY && ret != Fault.OOM) {
                    frame[0] = -Errno.EFAULT;
                    return null;
                }
            } finally {
                mm.mmapLock().readLock().unlock();
            }
        }
    }

    /** Faults until {@code addr} is mapped for the access; 0, -ENOMEM or -EFAULT. */
    static int faultUntilMapped(Vma v, long addr, boolean write) {
        long since = 0;
        for (int tries = 0; ; tries++) {
            since = FaultRetry.pause(tries, since, addr);
            if (lookup(v.mm, addr, write) >= 0) {
                return 0;
            }
            int ret = v.mm.sys.fault.handle(v, addr, write ? Fault.FLAG_WRITE : 0);
            if (ret == Fault.OOM) {
                return -Errno.ENOMEM;
            }
            if (ret != Fault.OK && ret != Fault.RETRY) {
                return -Errno.EFAULT;
            }
        }
    }

    /** access_error(): what the hardware fault handler refuses before handle_mm_fault. */
    static boolean accessError(Vma v, boolean write) {
        return write ? !v.has(VmFlags.WRITE) : !v.has(VmFlags.READ | VmFlags.WRITE | VmFlags.EXEC);
    }

    /** A TLB-fill-style lookup: the frame for a permitted access, or -1 when the access must fault. */
    static int lookup(Mm mm, long addr, boolean write) {
        ReentrantLock ptl = mm.lockEntry(addr);
        try {
            return lookupLocked(mm, addr, write);
        } finally {
            ptl.unlock();
        }
    }

    /** {@link #lookup} with the page-table lock held by the caller. */
    private static int lookupLocked(Mm mm, long addr, boolean write) {
        PageTable pt = mm.pt;
        int level = 3;
        long e = pt.pud(addr);
        long mask = PageSize.PUD_SIZE - 1;
        if (!Pte.leaf(e)) {
            level = 2;
            e = pt.pmd(addr);
            mask = PageSize.PMD_SIZE - 1;
            if (!Pte.leaf(e)) {
                level = 1;
                e = pt.pte(addr);
                mask = PageSize.PAGE_SIZE - 1;
            }
        }
        if (!Pte.accessible(e) || (write && !Pte.writable(e))) {
            return -1;
        }
        if (write && !Pte.dirty(e)) {
            // the MMU sets the dirty bit on the first store through a clean entry
            long d = Pte.set(e, Pte.DIRTY | Pte.ACCESSED);
            if (level == 1) {
                pt.setPte(addr, d);
            } else if (level == 2) {
                pt.setPmd(addr, d);
            } else {
                pt.setPud(addr, d);
            }
        }
        int pfn = Pte.pfn(e) + (int) ((addr & mask) >>> PageSize.PAGE_SHIFT);
        mm.sys.phys.frames().set(mm.sys.phys.frames().head(pfn), PageFlags.REFERENCED); // folio_mark_accessed marks the folio
        return pfn;
    }
}
