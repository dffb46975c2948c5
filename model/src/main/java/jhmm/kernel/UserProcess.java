package jhmm.kernel;

import jhmm.base.Errno;
import jhmm.base.ErrnoException;
import jhmm.base.PageSize;
import jhmm.base.Pattern;
import jhmm.mm.Exit;
import jhmm.mm.FileInode;
import jhmm.mm.Fork;
import jhmm.mm.Madvise;
import jhmm.mm.Mm;
import jhmm.mm.MmapOps;
import jhmm.mm.Mprotect;
import jhmm.mm.PageState;
import jhmm.mm.PageStates;
import jhmm.mm.UserAccess;

/**
 * A user process: one address space and the system calls it makes on it. Every call returns
 * what the Linux system call returns: a value {@code >= 0}, or {@code -errno}.
 * A CPU access to an address that would make Linux raise SIGSEGV/SIGBUS returns -EFAULT.
 */
public final class UserProcess {
    private final Machine machine;
    private final String name;
    private final Mm mm;

    UserProcess(Machine machine, String name, Mm mm) {
        this.machine = machine;
        this.name = name;
        this.mm = mm;
    }

    public String name() {
        return name;
    }

    /** The address space, for the kernel layers above (notifiers, GUP, HMM, devices). */
    public Mm mm() {
        return mm;
    }

    /** mmap(addr, len, prot, flags, file, offset) with Mman constants; returns the address or -errno. */
    public long mmap(long addr, long len, int prot, int flags, FileInode file, long offset) {
        return MmapOps.mmap(mm, addr, len, prot, flags, file, offset, 0);
    }

    /** mmap placed at a multiple of {@code align} (a power of two, at least a page), as a caller that over-maps and trims does. */
    public long mmapAligned(long len, long align, int prot, int flags, FileInode file, long offset) {
        if (align < PageSize.PAGE_SIZE || Long.bitCount(align) != 1) {
            return -Errno.EINVAL;
        }
        return MmapOps.mmap(mm, 0, len, prot, flags, file, offset, align);
    }

    public int munmap(long addr, long len) {
        return MmapOps.munmap(mm, addr, len);
    }

    public int mprotect(long addr, long len, int prot) {
        return Mprotect.mprotect(mm, addr, len, prot);
    }

    public int madvise(long addr, long len, int advice) {
        return Madvise.madvise(mm, addr, len, advice);
    }

    /** mremap(old, oldLen, newLen, flags); returns the (possibly new) address or -errno. */
    public long mremap(long oldAddr, long oldLen, long newLen, int flags) {
        return MmapOps.mremap(mm, oldAddr, oldLen, newLen, flags);
    }

    /** mremap with a destination: MREMAP_MAYMOVE|MREMAP_FIXED, optionally MREMAP_DONTUNMAP. */
    public long mremap(long oldAddr, long oldLen, long newLen, int flags, long newAddr) {
        return MmapOps.mremap(mm, oldAddr, oldLen, newLen, flags, newAddr);
    }

    /** CPU stores of pattern {@code p} over [addr, addr+len); {@code origin} is the address where the pattern's byte 0 sits. */
    public int write(long addr, long len, Pattern p, long origin) {
        return UserAccess.write(mm, addr, len, p, origin);
    }

    /** CPU loads of [addr, addr+len) into {@code dst[dstOff..]}. */
    public int read(long addr, byte[] dst, int dstOff, int len) {
        return UserAccess.read(mm, addr, dst, dstOff, len);
    }

    /** fork(): the child shares nothing but what Linux shares; throws ErrnoException(ENOMEM) when memory runs out. */
    public UserProcess fork(String childName) {
        if (machine.process(childName) != null) {
            throw new ErrnoException(Errno.EEXIST, "process " + childName + " exists");
        }
        Mm child = Fork.fork(mm);
        if (child == null) {
            throw new ErrnoException(Errno.ENOMEM, "fork of " + name);
        }
        UserProcess p = new UserProcess(machine, childName, child);
        machine.adopt(p);
        return p;
    }

    /** exit(): tears the address space down. */
    public void exit() {
        Exit.exitMmap(mm);
    }

    public boolean exited() {
        return mm.isDead();
    }

    /** The CPU page-table state of the page containing {@code addr}. */
    public PageState pageState(long addr) {
        return PageStates.of(mm, addr);
    }

    /** The frame mapped at {@code addr}, or -1. */
    int frameAt(long addr) {
        return PageStates.frameAt(mm, addr);
    }

    interface RangeOp {
        int apply(Mm mm, long start, long end);
    }

    /**
     * Runs a kernel-side operation over a range, under the mmap lock for reading as
     * MADV_PAGEOUT and migrate_pages walk the VMAs: another thread's mmap or munmap changes
     * the VMA tree under the write lock meanwhile (without it, a lookup racing it found no VMA).
     */
    int kernelRangeOp(long addr, long len, RangeOp op) {
        if (!PageSize.isPageAligned(addr) || len <= 0) {
            return -Errno.EINVAL;
        }
        mm.mmapLock().readLock().lock();
        try {
            if (mm.findVma(addr) == null) {
                return -Errno.EFAULT;
            }
            return op.apply(mm, addr, addr + PageSize.pageAlignUp(len));
        } finally {
            mm.mmapLock().readLock().unlock();
        }
    }
}
