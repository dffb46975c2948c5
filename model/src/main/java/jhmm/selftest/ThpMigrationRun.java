package jhmm.selftest;

import java.util.List;
import java.util.Locale;
import jhmm.base.ByteSize;
import jhmm.base.PageSize;
import jhmm.base.Pattern;
import jhmm.device.dmirror.Dmirror;
import jhmm.device.dmirror.DmirrorCmd;
import jhmm.device.dmirror.DmirrorDevice;
import jhmm.kernel.Machine;
import jhmm.kernel.MachineConfig;
import jhmm.kernel.UserProcess;
import jhmm.mm.Mman;
import jhmm.mm.ThpMode;

/**
 * One run of the kernel selftest {@code benchmark_thp_migration} (hmm-tests.c; hmm-tests.md
 * T37) on the model: a fresh machine ({@code thp=madvise}) with one private test device, a
 * process that maps {@code size} bytes anonymous read-write with no alignment requested,
 * advises them {@code MADV_HUGEPAGE} or {@code MADV_NOHUGEPAGE}, fills the ints with
 * {@code index & 0xFF}, then migrates the whole buffer to the device and back once as a
 * warm-up. {@link #toDevice} and {@link #toSystem} are the two timed ioctls; any return but 0
 * throws, as any failure fails the kernel test.
 *
 * <p>Like Linux, the model places a PMD-multiple anonymous mapping on a 2 MiB boundary, so
 * sizes of T and more are THP-backed when advised; T/4 and T/2 never are.
 */
public final class ThpMigrationRun implements AutoCloseable {
    /** The kernel test's size names: NT (N up to 4 digits) or T/N. */
    private static final java.util.regex.Pattern KERNEL_NAME = java.util.regex.Pattern.compile("([0-9]{0,4})T|T/([1-9][0-9]{0,3})");
    /** T: the PMD-sized THP ({@code hpage_pmd_size}). */
    public static final long THP_SIZE = PageSize.PMD_SIZE;
    /** Timed iterations per run in the kernel test. */
    public static final int ITERATIONS = 5;

    /** One buffer size of the kernel test, with the name it prints. */
    public record Size(String name, long bytes) {}

    /** The kernel test's sizes, in its order. */
    public static final List<Size> SIZES = List.of(
            new Size("Small Buffer", THP_SIZE / 4),
            new Size("Half THP Size", THP_SIZE / 2),
            new Size("Single THP Size", THP_SIZE),
            new Size("Two THP Size", THP_SIZE * 2),
            new Size("Four THP Size", THP_SIZE * 4),
            new Size("Eight THP Size", THP_SIZE * 8),
            new Size("One twenty eight THP Size", THP_SIZE * 128));

    /** Average milliseconds per call of each direction over a run's timed iterations. */
    public record Timing(long bytes, double sysToDevMs, double devToSysMs) {
        private static final double GIB = 1024.0 * 1024.0 * 1024.0;

        /** GB/s as the kernel test computes it: GiB moved per second. */
        public double sysToDevGBps() {
            return bytes / GIB / (sysToDevMs / 1000.0);
        }

        public double devToSysGBps() {
            return bytes / GIB / (devToSysMs / 1000.0);
        }
    }

    private static final int P = (int) PageSize.PAGE_SIZE;
    private static final int BLOCK = 256 * Integer.BYTES; // ints with index & 0xFF repeat every 256

    private final long size;
    private final boolean thp;
    private final Machine machine;
    private final UserProcess process;
    private final DmirrorDevice device;
    private final Dmirror mirror;
    private final long addr;
    /** The user buffer MIGRATE_TO_DEV reads the migrated data into (the test's {@code mirror}). */
    private final byte[] buffer;

    /** Sets a run up to the timed loop: machine, device, mapping, advice, fill, warm-up round trip. */
    public ThpMigrationRun(long size, boolean thp) {
        if (size <= 0 || size % P != 0 || size > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("size must be a positive multiple of 4K below 2G: " + size);
        }
        this.size = size;
        this.thp = thp;
        machine = new Machine(MachineConfig.defaults().withRam((1L << 30) + size).withThp(ThpMode.MADVISE));
        process = machine.createProcess("hmm-tests");
        device = new DmirrorDevice("hmm_dmirror0", DmirrorDevice.MemoryType.PRIVATE, machine.memory(), DmirrorDevice.DEFAULT_CHUNK);
        mirror = device.open(process.mm());
        buffer = new byte[(int) size];
        java.util.Arrays.fill(buffer, (byte) 0xFF);
        addr = process.mmap(0, size, Mman.PROT_READ | Mman.PROT_WRITE, Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS, null, 0);
        check(addr < 0 ? (int) addr : 0, "mmap");
        check(process.madvise(addr, size, thp ? Mman.MADV_HUGEPAGE : Mman.MADV_NOHUGEPAGE), "madvise");
        for (long off = 0; off < size; off += BLOCK) {
            check(process.write(addr + off, BLOCK, Pattern.i32(0), addr + off), "fill");
        }
        toDevice();
        toSystem();
    }

    /** HMM_DMIRROR_MIGRATE_TO_DEV of the whole buffer. */
    public void toDevice() {
        check(mirror.migrateToDev(new DmirrorCmd(addr, pages(), buffer)), "HMM_DMIRROR_MIGRATE_TO_DEV");
    }

    /** HMM_DMIRROR_MIGRATE_TO_SYS of the whole buffer. */
    public void toSystem() {
        check(mirror.migrateToSys(new DmirrorCmd(addr, pages(), buffer)), "HMM_DMIRROR_MIGRATE_TO_SYS");
    }

    /** The timed loop: {@code iterations} times MIGRATE_TO_DEV then MIGRATE_TO_SYS, each timed alone. */
    public Timing time(int iterations) {
        if (iterations <= 0) {
            throw new IllegalArgumentException("iterations must be positive: " + iterations);
        }
        System.gc(); // the set-up's garbage (a whole machine) collected before, not during, the timed calls
        long toDev = 0;
        long toSys = 0;
        for (int i = 0; i < iterations; i++) {
            long t0 = System.nanoTime();
            toDevice();
            long t1 = System.nanoTime();
            toSystem();
            long t2 = System.nanoTime();
            toDev += t1 - t0;
            toSys += t2 - t1;
        }
        return new Timing(size, toDev / 1e6 / iterations, toSys / 1e6 / iterations);
    }

    /** run_migration_benchmark: set up, time, free. */
    public static Timing run(long size, boolean thp, int iterations) {
        try (ThpMigrationRun r = new ThpMigrationRun(size, thp)) {
            return r.time(iterations);
        }
    }

    /** 4 KiB pages in the buffer (the ioctls' npages). */
    public long pages() {
        return size / P;
    }

    public long size() {
        return size;
    }

    public boolean thp() {
        return thp;
    }

    /** THPs the fill faulted in: size / T when advised HUGEPAGE and size >= T, else 0. */
    public long thpsFaulted() {
        return machine.stats().thpFaultAlloc.get();
    }

    /** hmm_buffer_free and the end of the test: unmap, close the device file, exit; throws if device pages leaked. */
    @Override
    public void close() {
        check(process.munmap(addr, size), "munmap");
        mirror.close();
        process.exit();
        if (device.pagesInUse() != 0) {
            throw new IllegalStateException(device.pagesInUse() + " device pages still in use after the buffer was freed");
        }
    }

    private static void check(int ret, String what) {
        if (ret != 0) {
            throw new IllegalStateException(what + " returned " + ret);
        }
    }

    /**
     * A buffer size by the kernel test's name for it: {@code T}, {@code T/4}, {@code 128T}
     * (T = 2 MiB, as benchmark_thp_migration counts), for the JMH parameters that reproduce
     * its table. Anything else is a size as {@link ByteSize} reads it, where T is a TiB: only
     * these names count in THPs.
     */
    public static long kernelSize(String name) {
        java.util.regex.Matcher m = KERNEL_NAME.matcher(name);
        if (!m.matches()) {
            return ByteSize.require(name);
        }
        if (m.group(2) != null) {
            return THP_SIZE / Long.parseLong(m.group(2));
        }
        return m.group(1).isEmpty() ? THP_SIZE : Long.parseLong(m.group(1)) * THP_SIZE;
    }
}
