package jhmm.diff.host;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.Map;
import jhmm.mm.ProcPagemap;
import jhmm.perf.host.HostKernel;

/**
 * What the host kernel shows of a process's pages: its {@code /proc/PID/pagemap} entries, the
 * categories of the {@code PAGEMAP_SCAN} ioctl on that file (the only place that says a page
 * is mapped by a PMD), and {@code /proc/kpageflags} for a frame (root only, as frame numbers are).
 */
final class HostPages implements AutoCloseable {
    /** _IOWR('f', 16, struct pm_scan_arg), the struct being 12 u64 fields. */
    private static final long PAGEMAP_SCAN = 0xC0606610L;
    private static final int SCAN_ARG_BYTES = 96;
    private static final int REGION_BYTES = 24;
    private static final int REGIONS = 512;
    private static final long RETURNED = ProcPagemap.PAGE_IS_PRESENT | ProcPagemap.PAGE_IS_SWAPPED
            | ProcPagemap.PAGE_IS_FILE | ProcPagemap.PAGE_IS_PFNZERO | ProcPagemap.PAGE_IS_HUGE;

    private final HostKernel kernel;
    private final Arena arena = Arena.ofShared();
    private final Map<Integer, Integer> pagemapFds = new HashMap<>();
    private final int kpageflagsFd;
    private final MemorySegment scanArg;
    private final MemorySegment regions;
    private final MemorySegment word;
    private MemorySegment entries = MemorySegment.NULL;

    HostPages(HostKernel kernel) {
        this.kernel = kernel;
        this.kpageflagsFd = kernel.open("/proc/kpageflags", HostKernel.O_RDONLY);
        this.scanArg = arena.allocate(SCAN_ARG_BYTES, 8);
        this.regions = arena.allocate((long) REGION_BYTES * REGIONS, 8);
        this.word = arena.allocate(8, 8);
    }

    /** True when frame numbers and kpageflags can be read (the process runs as root). */
    boolean framesVisible() {
        return kpageflagsFd >= 0;
    }

    /** The pagemap entries of {@code pages} pages from {@code addr} in process {@code pid}. */
    long[] pagemap(int pid, long addr, int pages) {
        long bytes = pages * 8L;
        if (entries.byteSize() < bytes) {
            entries = arena.allocate(Math.max(bytes, 4096), 8);
        }
        int fd = pagemapFd(pid);
        for (long done = 0; done < bytes; ) {
            long n = kernel.pread(fd, entries.asSlice(done), bytes - done, (addr >>> 12) * 8 + done);
            if (n <= 0) {
                throw new IllegalStateException("cannot read /proc/" + pid + "/pagemap: " + (n < 0 ? "errno " + -n : "short read"));
            }
            done += n;
        }
        long[] out = new long[pages];
        MemorySegment.copy(entries, JAVA_LONG, 0, out, 0, pages);
        return out;
    }

    /** The PAGEMAP_SCAN categories of each of {@code pages} pages from {@code addr} (0 for a page with none). */
    int[] categories(int pid, long addr, int pages) {
        int[] out = new int[pages];
        long end = addr + pages * 4096L;
        long start = addr;
        while (start < end) {
            scanArg.fill((byte) 0);
            scanArg.set(JAVA_LONG, 0, SCAN_ARG_BYTES);
            scanArg.set(JAVA_LONG, 16, start);
            scanArg.set(JAVA_LONG, 24, end);
            scanArg.set(JAVA_LONG, 40, regions.address());
            scanArg.set(JAVA_LONG, 48, REGIONS);
            scanArg.set(JAVA_LONG, 80, ProcPagemap.PAGE_IS_PRESENT | ProcPagemap.PAGE_IS_SWAPPED); // any of
            scanArg.set(JAVA_LONG, 88, RETURNED);
            int n = kernel.ioctl(pagemapFd(pid), PAGEMAP_SCAN, scanArg);
            if (n < 0) {
                throw new IllegalStateException("PAGEMAP_SCAN on /proc/" + pid + "/pagemap failed: errno " + -n);
            }
            for (int r = 0; r < n; r++) {
                long from = regions.get(JAVA_LONG, (long) r * REGION_BYTES);
                long to = regions.get(JAVA_LONG, (long) r * REGION_BYTES + 8);
                int cats = (int) regions.get(JAVA_LONG, (long) r * REGION_BYTES + 16);
                for (long a = from; a < to; a += 4096) {
                    out[(int) ((a - addr) >>> 12)] = cats;
                }
            }
            long walkEnd = scanArg.get(JAVA_LONG, 32);
            if (walkEnd <= start) {
                throw new IllegalStateException("PAGEMAP_SCAN made no progress at 0x" + Long.toHexString(start));
            }
            start = walkEnd;
        }
        return out;
    }

    /** The kpageflags word of frame {@code pfn}; 0 when frames are not visible. */
    long kpageflags(long pfn) {
        if (kpageflagsFd < 0) {
            return 0;
        }
        long n = kernel.pread(kpageflagsFd, word, 8, pfn * 8);
        return n == 8 ? word.get(JAVA_LONG, 0) : 0;
    }

    /** Forgets the pagemap file of a process that has ended. */
    void forget(int pid) {
        Integer fd = pagemapFds.remove(pid);
        if (fd != null) {
            kernel.close(fd);
        }
    }

    private int pagemapFd(int pid) {
        return pagemapFds.computeIfAbsent(pid, p -> {
            int fd = kernel.open("/proc/" + p + "/pagemap", HostKernel.O_RDONLY);
            if (fd < 0) {
                throw new IllegalStateException("cannot open /proc/" + p + "/pagemap: errno " + -fd);
            }
            return fd;
        });
    }

    @Override
    public void close() {
        pagemapFds.values().forEach(kernel::close);
        pagemapFds.clear();
        if (kpageflagsFd >= 0) {
            kernel.close(kpageflagsFd);
        }
        arena.close();
    }
}
