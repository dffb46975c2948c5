package jhmm.perf.host;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * /proc/self/pagemap opened once, read into one native buffer that grows to the largest
 * range asked for and is reused: 8 bytes per 4 KiB page, bit 63 = present (readable without
 * privilege; the PFN is not).
 */
final class Pagemap implements AutoCloseable {
    static final String PATH = "/proc/self/pagemap";
    private static final long PRESENT = 1L << 63;

    private final HostKernel kernel;
    private final int fd;
    private final Arena arena = Arena.ofShared();
    private MemorySegment buf = MemorySegment.NULL;

    Pagemap(HostKernel kernel) {
        this.kernel = kernel;
        this.fd = kernel.open(PATH, HostKernel.O_RDONLY);
        if (fd < 0) {
            throw new IllegalStateException("cannot open " + PATH + ": errno " + -fd);
        }
    }

    /** Reads the entries of {@code pages} pages from {@code addr}: 0, or -errno, or -1 for a short read. */
    long read(long addr, long pages) {
        long bytes = pages * 8;
        if (buf.byteSize() < bytes) {
            buf = arena.allocate(bytes, 8);
        }
        long offset = (addr >>> 12) * 8;
        for (long done = 0; done < bytes; ) {
            long n = kernel.pread(fd, buf.asSlice(done), bytes - done, offset + done);
            if (n <= 0) {
                return n < 0 ? n : -1;
            }
            done += n;
        }
        return 0;
    }

    /** Entries of the last {@link #read} of {@code pages} pages that say present. */
    long present(long pages) {
        long n = 0;
        for (long i = 0; i < pages; i++) {
            n += (buf.getAtIndex(JAVA_LONG, i) & PRESENT) != 0 ? 1 : 0;
        }
        return n;
    }

    /** Reads the range and counts its present pages; -1 when the read failed. */
    long presentIn(long addr, long pages) {
        return read(addr, pages) == 0 ? present(pages) : -1;
    }

    @Override
    public void close() {
        kernel.close(fd);
        arena.close();
    }
}
