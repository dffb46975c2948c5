package jhmm.kernel;

import jhmm.base.Pattern;
import jhmm.mm.FileInode;
import jhmm.mm.PageState;

/**
 * A user process: one address space and the system calls it makes on it. Every call returns
 * what the Linux system call returns: a value {@code >= 0}, or {@code -errno}.
 * A CPU access to an address that would make Linux raise SIGSEGV/SIGBUS returns -EFAULT.
 */
public final class Process {
    public String name() {
        throw new UnsupportedOperationException("being written");
    }

    /** mmap(addr, len, prot, flags, file, offset) with Mman constants; returns the address or -errno. */
    public long mmap(long addr, long len, int prot, int flags, FileInode file, long offset) {
        throw new UnsupportedOperationException("being written");
    }

    /** mmap placed at a multiple of {@code align} (a power of two, at least a page), as a caller that over-maps and trims does. */
    public long mmapAligned(long len, long align, int prot, int flags, FileInode file, long offset) {
        throw new UnsupportedOperationException("being written");
    }

    public int munmap(long addr, long len) {
        throw new UnsupportedOperationException("being written");
    }

    public int mprotect(long addr, long len, int prot) {
        throw new UnsupportedOperationException("being written");
    }

    public int madvise(long addr, long len, int advice) {
        throw new UnsupportedOperationException("being written");
    }

    /** mremap(old, oldLen, newLen, flags); returns the (possibly new) address or -errno. */
    public long mremap(long oldAddr, long oldLen, long newLen, int flags) {
        throw new UnsupportedOperationException("being written");
    }

    /** CPU stores of pattern {@code p} over [addr, addr+len); {@code origin} is the address where the pattern's byte 0 sits. */
    public int write(long addr, long len, Pattern p, long origin) {
        throw new UnsupportedOperationException("being written");
    }

    /** CPU loads of [addr, addr+len) into {@code dst[dstOff..]}. */
    public int read(long addr, byte[] dst, int dstOff, int len) {
        throw new UnsupportedOperationException("being written");
    }

    /** fork(): the child shares nothing but what Linux shares; throws ErrnoException(ENOMEM) when memory runs out. */
    public Process fork(String childName) {
        throw new UnsupportedOperationException("being written");
    }

    /** exit(): tears the address space down. */
    public void exit() {
        throw new UnsupportedOperationException("being written");
    }

    public boolean exited() {
        throw new UnsupportedOperationException("being written");
    }

    /** The CPU page-table state of the page containing {@code addr}. */
    public PageState pageState(long addr) {
        throw new UnsupportedOperationException("being written");
    }
}
