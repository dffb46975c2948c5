package jhmm.perf.host;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import jhmm.perf.RangeSize;
import jhmm.perf.Kind;

/**
 * Whether the host kernel can do the operations, and if not why: a reason string for each
 * kind and range size, null when it can. Rows whose host side cannot run print the model's
 * figure and the reason instead of the host's. {@code memAvailable} is the host's
 * MemAvailable in bytes when probed; {@code ioUringReason} is null when io_uring can register
 * buffers (the pin row's host side), else why not.
 */
public record HostSupport(String reason, String thpReason, long memAvailable, String ioUringReason) {
    static final Path THP_ENABLED = Path.of("/sys/kernel/mm/transparent_hugepage/enabled");
    static final Path MEMINFO = Path.of("/proc/meminfo");

    /** Null when the host can run rows of {@code kind}, else why not. */
    public String reason(Kind kind) {
        return reason != null ? reason : kind.thp() ? thpReason : null;
    }

    /**
     * Null when the host can run rows of {@code kind} over {@code size} bytes, else why not:
     * a range populated on the host must fit in half its free RAM, far from the OOM killer.
     */
    public String reason(Kind kind, long size) {
        String why = reason(kind);
        if (why == null && size > memAvailable / 2) {
            return "host RAM: " + RangeSize.gib(memAvailable) + " available";
        }
        return why;
    }

    /** Looks at the running system: OS, architecture, the FFM API, the madvise calls, THP. */
    public static HostSupport probe() {
        String os = System.getProperty("os.name", "");
        String arch = System.getProperty("os.arch", "");
        if (!os.startsWith("Linux")) {
            return new HostSupport("host is " + os + ", not Linux", null, 0, null);
        }
        if (!arch.equals("amd64") && !arch.equals("x86_64") && !arch.equals("aarch64")) {
            return new HostSupport("host architecture " + arch + " (constants known for x86_64 and aarch64)", null, 0, null);
        }
        HostKernel k;
        try {
            k = new HostKernel();
        } catch (RuntimeException | LinkageError e) {
            return new HostSupport("FFM downcalls unavailable: " + e, null, 0, null);
        }
        try (k) {
            return new HostSupport(probeCalls(k), thpReason(THP_ENABLED), memAvailable(MEMINFO), ioUringReason(k));
        }
    }

    /** MemAvailable of a /proc/meminfo in bytes; 0 when it cannot be read. */
    static long memAvailable(Path meminfo) {
        try {
            for (String line : Files.readAllLines(meminfo)) {
                if (line.startsWith("MemAvailable:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) << 10;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
        return 0;
    }

    /** Null when a small mapping can be populated both ways and pagemap opened. */
    private static String probeCalls(HostKernel k) {
        long len = 2 * 4096;
        long addr = k.mmap(len, HostKernel.PROT_READ | HostKernel.PROT_WRITE, HostKernel.MAP_PRIVATE | HostKernel.MAP_ANONYMOUS);
        if (addr < 0) {
            return "mmap failed: errno " + -addr;
        }
        try {
            for (int advice : new int[] {HostKernel.MADV_POPULATE_WRITE, HostKernel.MADV_POPULATE_READ}) {
                int ret = k.madvise(addr, len, advice);
                String name = advice == HostKernel.MADV_POPULATE_WRITE ? "MADV_POPULATE_WRITE" : "MADV_POPULATE_READ";
                if (ret == -HostKernel.EINVAL) {
                    return "host kernel has no " + name + " (Linux < 5.14)";
                }
                if (ret != 0) {
                    return name + " failed: errno " + -ret;
                }
            }
        } finally {
            k.munmap(addr, len);
        }
        int fd = k.open(Pagemap.PATH, HostKernel.O_RDONLY);
        if (fd < 0) {
            return "cannot open " + Pagemap.PATH + ": errno " + -fd;
        }
        k.close(fd);
        return null;
    }

    /** Null when an io_uring instance can be set up and register a small buffer and unregister it, else why not. */
    private static String ioUringReason(HostKernel k) {
        try (IoUring ring = new IoUring(k)) {
            int setup = ring.error();
            if (setup == -HostKernel.ENOSYS) {
                return "host kernel has no io_uring";
            }
            if (setup == -HostKernel.EPERM) {
                return "io_uring disabled on the host (sysctl kernel.io_uring_disabled)";
            }
            if (setup < 0) {
                return "io_uring_setup failed: errno " + -setup;
            }
            long len = 4096;
            long addr = k.mmap(len, HostKernel.PROT_READ | HostKernel.PROT_WRITE, HostKernel.MAP_PRIVATE | HostKernel.MAP_ANONYMOUS);
            if (addr < 0) {
                return "mmap failed: errno " + -addr;
            }
            try {
                long ret = ring.register(ring.buffers(addr, len));
                if (ret < 0) {
                    return "io_uring cannot register buffers: errno " + -ret;
                }
                ret = ring.unregister();
                return ret < 0 ? "io_uring cannot unregister buffers: errno " + -ret : null;
            } finally {
                k.munmap(addr, len);
            }
        }
    }

    /** Null when THP can be had with MADV_HUGEPAGE, else why not. */
    static String thpReason(Path enabled) {
        String mode;
        try {
            mode = Files.readString(enabled).trim();
        } catch (IOException e) {
            return "no THP on the host (cannot read " + enabled + ")";
        }
        if (mode.toLowerCase(Locale.ROOT).contains("[never]")) {
            return "THP off on the host (transparent_hugepage/enabled: never)";
        }
        return null;
    }
}
