package jhmm.gup;

import static org.assertj.core.api.Assertions.assertThat;

import jhmm.base.PageSize;
import jhmm.base.Pattern;
import jhmm.kernel.UserProcess;
import jhmm.mm.Mm;
import jhmm.mm.Mman;
import jhmm.mm.PageStates;

/** What the GUP, migration and DMA edge-case tests share: processes' memory, GUP under the mmap lock, data checks. */
public final class EdgeCaseSupport {
    public static final long P = PageSize.PAGE_SIZE;
    public static final int RW = Mman.PROT_READ | Mman.PROT_WRITE;
    public static final int ANON = Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS;

    private EdgeCaseSupport() {}

    /** A new mapping of {@code len} bytes with {@code prot} and {@code flags}, nothing faulted in. */
    public static long map(UserProcess proc, long len, int prot, int flags) {
        long a = proc.mmap(0, len, prot, flags, null, 0);
        assertThat(a).as("mmap").isPositive();
        return a;
    }

    /** A private anonymous read-write range whose pages are written with i32 words counted from its start. */
    public static long written(UserProcess proc, long len) {
        long a = map(proc, len, RW, ANON);
        assertThat(proc.write(a, len, Pattern.i32(0), a)).isZero();
        return a;
    }

    /** The frame {@code proc} maps at {@code addr}, or -1. */
    public static int frame(UserProcess proc, long addr) {
        return PageStates.frameAt(proc.mm(), addr);
    }

    /** get_user_pages under the mmap read lock, as its callers hold it. */
    public static long get(UserProcess proc, long start, int n, int flags, int[] pages) {
        Mm mm = proc.mm();
        mm.mmapLock().readLock().lock();
        try {
            return Gup.getUserPages(mm, start, n, flags, pages);
        } finally {
            mm.mmapLock().readLock().unlock();
        }
    }

    /** pin_user_pages under the mmap read lock. */
    public static long pin(UserProcess proc, long start, int n, int flags, int[] pages) {
        Mm mm = proc.mm();
        mm.mmapLock().readLock().lock();
        try {
            return Gup.pinUserPages(mm, start, n, flags, pages);
        } finally {
            mm.mmapLock().readLock().unlock();
        }
    }

    /** Asserts that the CPU reads [addr, addr+len) of {@code proc} as {@code pat} placed at {@code origin}. */
    public static void assertReads(UserProcess proc, long addr, long len, Pattern pat, long origin) {
        byte[] buf = new byte[(int) len];
        assertThat(proc.read(addr, buf, 0, (int) len)).as("read").isZero();
        for (int i = 0; i < len; i++) {
            if (buf[i] != pat.byteAt(addr - origin + i)) {
                throw new AssertionError(String.format("byte %d of %x: expected %d, got %d", i, addr,
                        pat.byteAt(addr - origin + i), buf[i]));
            }
        }
    }
}
