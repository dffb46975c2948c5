package jhmm.device.dmirror;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;
import jhmm.base.Errno;
import jhmm.base.PageSize;
import jhmm.base.Pattern;
import jhmm.kernel.Machine;
import jhmm.kernel.MachineConfig;
import jhmm.kernel.UserProcess;
import jhmm.mm.Mman;
import jhmm.mm.PageStates;
import jhmm.mm.Pte;
import jhmm.mm.ThpMode;
import jhmm.phys.ContentStore;
import jhmm.phys.DevPagemap;
import jhmm.testing.Budget;
import jhmm.testing.Choices;
import jhmm.testing.FuzzChoices;
import jhmm.testing.RandomChoices;
import jhmm.testing.Shrinker;
import jhmm.testing.Step;
import jhmm.testing.Tries;
import jhmm.testing.Weighted;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Random sequences of device-memory operations through the test device (hmm-tests.md
 * 1.11-1.17): MIGRATE_TO_DEV and MIGRATE_TO_SYS of random sub-ranges (sometimes with
 * FAIL_ALLOC armed), CPU loads and stores, device READ and WRITE through the mirror, fork
 * (the child opens the devices again and works too), munmap of sub-ranges, RELEASE, closing
 * and reopening a device file, exit; on THP-eligible (2 MiB aligned, MADV_HUGEPAGE) and
 * 4 KiB (MADV_NOHUGEPAGE) anonymous mappings, with one or two private devices.
 *
 * <p>The reference is per process a map from page address to contents (fork copies it: all
 * memory here is private). After every step: every load (CPU or device READ, or the data a
 * successful MIGRATE_TO_DEV reads back) equals the reference, every mapped page holds what the
 * reference says (looked up without faulting), {@link Machine#checkInvariants()} is empty and
 * no open mirror has a stale entry (but for the ones Linux leaves stale too, see
 * {@code Run.foreign}). Return codes are Linux's: a MIGRATE_TO_DEV over a hole is -EINVAL, one
 * whose pages can all move or are already mirrored is 0; -EFAULT and -ENOMEM only where
 * FAIL_ALLOC or a read-only page of the device's own allows them. After RELEASE or a close
 * the device has no page in use. At the end every process exits and every file is closed: no
 * device page may be left in use, and RAM is back to what it was at boot.
 *
 * <p>Checked two ways on one generator: fresh random tries in every build (shrunk when one
 * fails; {@link Budget#DEVICE_MEMORY_TRIES} of them), and Jazzer on the committed inputs
 * (fuzzing with {@code JAZZER_FUZZ=1}, see docs/testing.md). Together they must reach every
 * event of {@code Run.EVENTS} at least once.
 */
class DeviceMemoryPropertyTest {
    enum Op { MMAP, CPU_WRITE, CPU_READ, DEV_READ, DEV_WRITE, TO_DEV, TO_SYS, FLAGS, FORK, MUNMAP, RELEASE, REOPEN, EXIT }

    record Setup(ThpMode thp, int devices, int chunkMiB) {}

    private static final int TRIES = Budget.DEVICE_MEMORY_TRIES.get();
    private static final ThpMode[] THP = {ThpMode.MADVISE, ThpMode.ALWAYS};
    private static final int[] CHUNK_MIB = {4, 8, 64};
    private static final Weighted<Op> OPS = new Weighted<Op>()
            .with(8, Op.MMAP)
            .with(14, Op.CPU_WRITE)
            .with(12, Op.CPU_READ)
            .with(8, Op.DEV_READ)
            .with(6, Op.DEV_WRITE)
            .with(16, Op.TO_DEV)
            .with(8, Op.TO_SYS)
            .with(3, Op.FLAGS)
            .with(3, Op.FORK)
            .with(5, Op.MUNMAP)
            .with(2, Op.RELEASE)
            .with(2, Op.REOPEN)
            .with(1, Op.EXIT);

    /**
     * What the runs of this class reached, and how many passed: the random tries' and the
     * committed inputs' apart, the generator's coverage.
     */
    private static final Coverage TRIED = new Coverage();
    private static final Coverage COMMITTED = new Coverage();

    /** The events each run reached, counted once per run that passed. */
    private static final class Coverage {
        final Map<String, AtomicInteger> reached = new ConcurrentHashMap<>();
        final AtomicInteger passed = new AtomicInteger();

        void passed(Set<String> seen) {
            seen.forEach(event -> reached.computeIfAbsent(event, e -> new AtomicInteger()).incrementAndGet());
            passed.incrementAndGet();
        }

        int reached(String event) {
            return reached.getOrDefault(event, new AtomicInteger()).get();
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void deviceMemoryMatchesTheReferenceOnRandomScripts(long seed) {
        Choices choices = new RandomChoices(seed);
        Set<String> seen = new HashSet<>();
        Shrinker.check(seed, setup(choices), script(choices), (setup, steps) -> seen.addAll(run(setup, steps).seen), Step::simpler);
        // passed at the first run: no shrinking run added to what it reached
        TRIED.passed(seen);
    }

    @FuzzTest
    void deviceMemoryMatchesTheReference(FuzzedDataProvider data) {
        Choices choices = new FuzzChoices(data);
        COMMITTED.passed(run(setup(choices), script(choices)).seen);
    }

    /**
     * Prints how often the random tries reached each event. When all of them ran and passed,
     * each event must have been reached: by a random try or a committed input (replayed by the
     * same generator), or with {@code -Pexplore} by a random try alone. The rarest event, a
     * device THP split, comes in about 4% of the tries: the build's few tries (docs/testing.md)
     * may miss it, and the committed inputs make the check as sure in every build.
     */
    @AfterAll
    static void everyEventReached() {
        int tries = TRIED.passed.get();
        if (tries == 0) {
            return;
        }
        List<String> missed = new ArrayList<>();
        for (String event : Run.EVENTS) {
            int n = TRIED.reached(event);
            System.out.printf("DeviceMemoryPropertyTest: %3d%% of %d tries, %d of %d committed inputs: %s%n", 100 * n / tries, tries,
                    COMMITTED.reached(event), COMMITTED.passed.get(), event);
            if (n == 0 && (Budget.EXPLORE || COMMITTED.reached(event) == 0)) {
                missed.add(event);
            }
        }
        boolean committedRan = Budget.EXPLORE || COMMITTED.passed.get() > 0;
        if (tries == TRIES && committedRan && !missed.isEmpty()) {
            throw new AssertionError("no random try" + (Budget.EXPLORE ? "" : " nor committed input") + " reached " + missed);
        }
    }

    static LongStream seeds() {
        return Tries.seeds(TRIES);
    }

    private static Run run(Setup setup, List<Step<Op>> steps) {
        Run run = new Run(setup);
        run.execute(steps);
        return run;
    }

    static Setup setup(Choices c) {
        return new Setup(THP[c.between(0, THP.length - 1)], c.between(1, 2), CHUNK_MIB[c.between(0, CHUNK_MIB.length - 1)]);
    }

    static List<Step<Op>> script(Choices c) {
        return Step.script(c, OPS, 20, 50);
    }

    /** What one page holds in the reference: zeros, a pattern placed at some offset, or bytes. Immutable. */
    sealed interface Content {
        int PAGE = (int) PageSize.PAGE_SIZE;

        byte byteAt(int off);

        /** This page after stores of {@code p} over {@code [off, off+len)}; byte 0 of the page is byte {@code pageOrigin} of the pattern. */
        default Content store(int off, int len, Pattern p, long pageOrigin) {
            if (off == 0 && len == PAGE) {
                return new Lin(p, pageOrigin);
            }
            byte[] b = new byte[PAGE];
            for (int i = 0; i < PAGE; i++) {
                b[i] = byteAt(i);
            }
            p.fill(pageOrigin + off, b, off, len);
            return new Raw(b);
        }

        /** True when page {@code pfn} of {@code data} holds exactly this. */
        default boolean heldBy(ContentStore data, int pfn) {
            for (int i = 0; i < PAGE; i++) {
                if (data.byteAt(pfn, i) != byteAt(i)) {
                    return false;
                }
            }
            return true;
        }
    }

    record Zero() implements Content {
        static final Zero ZERO = new Zero();

        @Override
        public byte byteAt(int off) {
            return 0;
        }

        @Override
        public boolean heldBy(ContentStore data, int pfn) {
            return data.isZero(pfn) || Content.super.heldBy(data, pfn);
        }
    }

    record Lin(Pattern p, long origin) implements Content {
        @Override
        public byte byteAt(int off) {
            return p.byteAt(origin + off);
        }

        @Override
        public boolean heldBy(ContentStore data, int pfn) {
            return data.matches(pfn, 0, PAGE, p, origin);
        }
    }

    record Raw(byte[] b) implements Content {
        @Override
        public byte byteAt(int off) {
            return b[off];
        }

        @Override
        public boolean heldBy(ContentStore data, int pfn) {
            byte[] got = new byte[PAGE];
            data.read(pfn, 0, got, 0, PAGE);
            return Arrays.equals(got, b);
        }

        @Override
        public String toString() {
            return "Raw[" + b[0] + "," + b[1] + ",...]";
        }
    }

    /** A process of the run: the model's process, one open file per device (or none), and the reference pages. */
    static final class Proc {
        final UserProcess proc;
        final Dmirror[] mirrors;
        final TreeMap<Long, Content> pages = new TreeMap<>();

        Proc(UserProcess proc, int devices) {
            this.proc = proc;
            this.mirrors = new Dmirror[devices];
        }

        @Override
        public String toString() {
            return proc.name();
        }
    }

    /** One try: a machine, its devices and processes, and the reference, driven by the same steps. */
    static final class Run {
        private static final long P = PageSize.PAGE_SIZE;
        private static final long M2 = PageSize.PMD_SIZE;
        private static final int MAX_PROCS = 3;
        private static final int MAX_PAGES = 2048;

        private final Machine machine;
        private final List<DmirrorDevice> devices = new ArrayList<>();
        private final List<Proc> procs = new ArrayList<>();
        private final List<String> trace = new ArrayList<>();
        private final long freeAtBoot;
        private final ContentStore data;
        /**
         * Per file, the pages whose entry it took through HMM (READ, WRITE) while they were
         * device pages of its device migrated by another file (one of a forked relative). When
         * such a page is faulted back to RAM from this file's process, the driver erases the
         * entries of the file that migrated it only, and the migration's own invalidation is one
         * every file of the device ignores: the entry goes stale in Linux too (hmm-tests.md 1.9,
         * 1.13). Such entries are not counted as stale.
         */
        private final Map<Dmirror, Set<Long>> foreign = new IdentityHashMap<>();
        private int children;
        /** What the try got to do, for the coverage count of the random tries. */
        static final List<String> EVENTS = List.of(
                "MIGRATE_TO_DEV succeeded", "MIGRATE_TO_DEV bound to succeed", "a THP on a device (PMD entry)",
                "a device THP split", "device pages shared by fork", "MIGRATE_TO_SYS moved pages",
                "FAIL_ALLOC consumed", "a CPU fault from a device");
        final Set<String> seen = new HashSet<>();
        /** Files with FAIL_ALLOC set by the test and not seen consumed yet. */
        private final Set<Dmirror> armedByTest = Collections.newSetFromMap(new IdentityHashMap<>());
        /** 2 MiB blocks (per process) that were PMD-level device entries at the last check. */
        private final Set<String> deviceThps = new HashSet<>();

        Run(Setup s) {
            machine = new Machine(MachineConfig.defaults().withRam(128L << 20).withThp(s.thp()));
            data = machine.physicalMemory().data();
            for (int i = 0; i < s.devices(); i++) {
                devices.add(new DmirrorDevice("dmirror" + i, DmirrorDevice.MemoryType.PRIVATE, machine.memory(), (long) s.chunkMiB() << 20));
            }
            freeAtBoot = machine.physicalMemory().buddy().freePages();
            Proc p = new Proc(machine.createProcess("p0"), devices.size());
            openAll(p);
            procs.add(p);
            trace.add(s.toString());
        }

        void execute(List<Step<Op>> steps) {
            for (Step<Op> st : steps) {
                step(st);
                checkCoherence();
                noteConsumedFlags();
            }
            finish();
        }

        private void openAll(Proc p) {
            for (int i = 0; i < devices.size(); i++) {
                p.mirrors[i] = devices.get(i).open(p.proc.mm());
            }
        }

        private void step(Step<Op> s) {
            Proc p = procs.get(s.a() % procs.size());
            switch (s.kind()) {
                case MMAP -> mmap(p, s);
                case CPU_WRITE -> cpuWrite(p, s);
                case CPU_READ -> cpuRead(p, s);
                case DEV_READ -> devRead(p, s);
                case DEV_WRITE -> devWrite(p, s);
                case TO_DEV -> toDev(p, s);
                case TO_SYS -> toSys(p, s);
                case FLAGS -> arm(p, s.d());
                case FORK -> fork(p);
                case MUNMAP -> munmap(p, s);
                case RELEASE -> release(p, s);
                case REOPEN -> reopen(p, s);
                case EXIT -> exit(s);
            }
        }

        // ---- choosing ranges ----

        /** The k-th mapped page of {@code p}; -1 when nothing is mapped. */
        private static long pickPage(Proc p, int k) {
            if (p.pages.isEmpty()) {
                return -1;
            }
            int i = k % p.pages.size();
            for (long a : p.pages.keySet()) {
                if (i-- == 0) {
                    return a;
                }
            }
            throw new AssertionError();
        }

        /** Mapped pages from {@code start} on without a hole, at most {@code max}. */
        private static long runFrom(Proc p, long start, long max) {
            long n = 0;
            while (n < max && p.pages.containsKey(start + n * P)) {
                n++;
            }
            return n;
        }

        /**
         * A range of whole pages {@code [start, start+n*P)} of mapped memory picked by {@code b, c}:
         * two times in three from a 2 MiB boundary when that page is mapped (so that a THP can
         * move whole), 1-1024 pages, cut at the first hole. Null when nothing is mapped.
         */
        private static long[] pickRange(Proc p, int b, int c) {
            return rangeFrom(p, pickPage(p, b), c);
        }

        private static long[] rangeFrom(Proc p, long start, int c) {
            if (start < 0) {
                return null;
            }
            long aligned = start & -M2;
            if (c % 3 != 0 && p.pages.containsKey(aligned)) {
                start = aligned;
            }
            long want = switch ((c >>> 2) % 6) {
                case 0, 1 -> 512;
                case 2 -> 1024;
                default -> 1 + (c >>> 5) % 64;
            };
            return new long[] {start, runFrom(p, start, want)};
        }

        /** Like {@link #pickRange}, but most of the time around a page that is on a device now. */
        private static long[] pickDeviceRange(Proc p, int b, int c) {
            if (b % 4 != 0) {
                List<Long> onDevice = new ArrayList<>();
                for (long a : p.pages.keySet()) {
                    if (Pte.isDevicePrivate(PageStates.entryAt(p.proc.mm(), a))) {
                        onDevice.add(a);
                    }
                }
                if (!onDevice.isEmpty()) {
                    return rangeFrom(p, onDevice.get((b >>> 2) % onDevice.size()), c);
                }
            }
            return pickRange(p, b, c);
        }

        private static Pattern pattern(int d) {
            return new Pattern((d % 3) - 1, d >>> 2);
        }

        // ---- operations ----

        private void mmap(Proc p, Step<Op> s) {
            boolean thp = s.b() % 3 != 0;
            long len = thp ? M2 * (1 + s.c() % 2) : P * (1 + s.c() % 600);
            if (p.pages.size() + len / P > MAX_PAGES) {
                return;
            }
            int prot = Mman.PROT_READ | Mman.PROT_WRITE;
            int flags = Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS;
            long addr = thp ? p.proc.mmapAligned(len, M2, prot, flags, null, 0) : p.proc.mmap(0, len, prot, flags, null, 0);
            check(addr > 0, "mmap returned %d", addr);
            int ret = p.proc.madvise(addr, len, thp ? Mman.MADV_HUGEPAGE : Mman.MADV_NOHUGEPAGE);
            log("%s mmap %s %x+%d pages -> %d", p, thp ? "thp" : "4k", addr, len / P, ret);
            check(ret == 0, "madvise returned %d", ret);
            for (long a = addr; a < addr + len; a += P) {
                p.pages.put(a, Zero.ZERO);
            }
        }

        /** A byte range inside mapped memory: {@code [addr, addr+len)}; null when nothing is mapped. */
        private static long[] pickBytes(Proc p, Step<Op> s) {
            long[] r = pickDeviceRange(p, s.b(), s.c());
            if (r == null) {
                return null;
            }
            long bytes = r[1] * P;
            long off = (s.d() % 3 == 0) ? 0 : (s.d() >>> 2) % bytes;
            long len = 1 + (long) (s.c() >>> 4) % (bytes - off);
            if (s.d() % 5 == 0) {
                len = bytes - off;
            }
            return new long[] {r[0] + off, len};
        }

        /** {@link #pickBytes} for a CPU access, noting when it will fault a page back from a device. */
        private long[] pickCpuBytes(Proc p, Step<Op> s) {
            long[] r = pickBytes(p, s);
            if (r != null && onDevice(p, r[0], r[1])) {
                seen.add("a CPU fault from a device");
            }
            return r;
        }

        private void cpuWrite(Proc p, Step<Op> s) {
            long[] r = pickCpuBytes(p, s);
            if (r == null) {
                return;
            }
            Pattern pat = pattern(s.d());
            long origin = (r[0] & -P) - 4L * (s.a() % 64);
            int ret = p.proc.write(r[0], r[1], pat, origin);
            log("%s write %x+%d %s -> %d", p, r[0], r[1], pat, ret);
            check(ret == 0, "CPU write returned %d", ret);
            for (long a = r[0]; a < r[0] + r[1]; ) {
                long page = a & -P;
                int off = (int) (a - page);
                int n = (int) Math.min(P - off, r[0] + r[1] - a);
                p.pages.put(page, p.pages.get(page).store(off, n, pat, page - origin));
                a += n;
            }
        }

        private void cpuRead(Proc p, Step<Op> s) {
            long[] r = pickCpuBytes(p, s);
            if (r == null) {
                return;
            }
            byte[] got = new byte[(int) r[1]];
            int ret = p.proc.read(r[0], got, 0, got.length);
            log("%s read %x+%d -> %d", p, r[0], r[1], ret);
            check(ret == 0, "CPU read returned %d", ret);
            compare(p, r[0], got, "CPU read");
        }

        private Dmirror mirror(Proc p, int d) {
            return p.mirrors[d % p.mirrors.length];
        }

        /**
         * Whether a device command through {@code m} over {@code r} is one to run: there is a
         * range and a file, and no entry of the file in the range is one of the stale entries
         * Linux leaves ({@link #foreign}): the driver would read or write a freed device page
         * through it, which Linux does not define, so neither does the reference.
         */
        private boolean usable(Proc p, Dmirror m, long[] r, String what) {
            if (r == null || m == null) {
                return false;
            }
            Set<Long> excused = foreign.getOrDefault(m, Set.of());
            for (int i = 0; i < r[1]; i++) {
                long a = r[0] + i * P;
                long e = excused.contains(a) ? m.pt.load(a >>> PageSize.PAGE_SHIFT) : -1;
                if (e >= 0 && DeviceMirrorCheck.mismatch(m.device(), m.mm(), a, DevicePageTable.pfn(e), DevicePageTable.tag(e)) != null) {
                    log("%s %s %s %x+%d pages skipped: the file's entry for %x is stale (freed device page)", p, m.device(), what, r[0], r[1], a);
                    return false;
                }
            }
            return true;
        }

        private void devRead(Proc p, Step<Op> s) {
            long[] r = pickDeviceRange(p, s.b(), s.c());
            Dmirror m = mirror(p, s.d());
            if (!usable(p, m, r, "READ")) {
                return;
            }
            boolean armed = anyArmed();
            DmirrorCmd cmd = new DmirrorCmd(r[0], r[1], new byte[(int) (r[1] * P)]);
            int ret = m.read(cmd);
            log("%s %s READ %x+%d pages -> %d (cpages %d)", p, m.device(), r[0], r[1], ret, cmd.cpages);
            noteEntries(m, r[0], r[1]);
            // a device page of another device faults back through its driver, which may fail once under FAIL_ALLOC
            check(ret == 0 || (armed && ret == -Errno.EFAULT), "device READ returned %d", ret);
            if (ret == 0) {
                check(cmd.cpages == r[1], "device READ cpages %d, not %d", cmd.cpages, r[1]);
                compare(p, r[0], cmd.ptr, "device READ");
            }
        }

        private void devWrite(Proc p, Step<Op> s) {
            long[] r = pickDeviceRange(p, s.b(), s.c());
            Dmirror m = mirror(p, s.d());
            if (!usable(p, m, r, "WRITE")) {
                return;
            }
            boolean armed = anyArmed();
            boolean readOnlyHere = readOnlyDevicePage(p, m.device(), r[0], r[1]);
            Pattern pat = pattern(s.a());
            byte[] buf = new byte[(int) (r[1] * P)];
            pat.fill(0, buf, 0, buf.length);
            DmirrorCmd cmd = new DmirrorCmd(r[0], r[1], buf);
            int ret = m.write(cmd);
            log("%s %s WRITE %x+%d pages %s -> %d", p, m.device(), r[0], r[1], pat, ret);
            noteEntries(m, r[0], r[1]);
            // HMM reports this device's own pages without faulting, even read-only ones (after fork),
            // and the driver then fails the write with -EFAULT (hmm-tests.md 1.8) -- unless a write
            // fault at an earlier page of the same walk took the page back to RAM on the way
            check(ret == 0 || ((armed || readOnlyHere) && ret == -Errno.EFAULT), "device WRITE returned %d", ret);
            if (ret == 0) {
                check(cmd.cpages == r[1], "device WRITE cpages %d, not %d", cmd.cpages, r[1]);
                for (int i = 0; i < r[1]; i++) {
                    p.pages.put(r[0] + i * P, new Lin(pat, i * P));
                }
            } else {
                // pages before the one that failed may have been written
                resync(p, r[0], r[1]);
            }
        }

        /**
         * True when MIGRATE_TO_DEV through {@code m} cannot miss a page of the range: each is a
         * small page in system memory mapped by a PTE (or nothing, or the zero page: anonymous,
         * private, unpinned, it moves) or on {@code m}'s device with an entry in {@code m}'s table
         * (not selected, not split: the entry stays). THPs and large folios in system memory are
         * left out: splitting one fires an invalidation whose end the driver erases inclusively
         * (dmirror_do_update), which can take the entry of the next page, on the device, with it.
         */
        private boolean movableOrMirrored(Proc p, Dmirror m, long start, long n) {
            for (int i = 0; i < n; i++) {
                long a = start + i * P;
                long e = PageStates.entryAt(p.proc.mm(), a);
                if (Pte.isDevicePrivate(e)) {
                    if (machine.physicalMemory().pgmap(Pte.pfn(e)).owner() != m.device() || m.pt.load(a >>> PageSize.PAGE_SHIFT) < 0) {
                        return false;
                    }
                } else if (Pte.leaf(p.proc.mm().pageTable().pmd(a))
                        || (Pte.present(e) && machine.physicalMemory().frames().isLarge(Pte.pfn(e)))) {
                    return false;
                }
            }
            return true;
        }

        /** Records which entries of {@code m} in the range name device pages another file of its device migrated. */
        private void noteEntries(Dmirror m, long start, long n) {
            Set<Long> set = foreign.computeIfAbsent(m, k -> new HashSet<>());
            for (int i = 0; i < n; i++) {
                long a = start + i * P;
                long e = m.pt.load(a >>> PageSize.PAGE_SHIFT);
                if (e >= 0 && isForeign(m, DevicePageTable.pfn(e))) {
                    set.add(a);
                } else {
                    set.remove(a);
                }
            }
        }

        private boolean isForeign(Dmirror m, int pfn) {
            DevPagemap pgmap = machine.physicalMemory().pgmap(pfn);
            return pgmap != null && pgmap.owner() == m.device() && m.device().memory().migratedBy(pfn) != m;
        }

        /** Entries of {@code m} the CPU no longer backs, but for those {@link #foreign} excuses. */
        private List<String> stale(Dmirror m) {
            List<String> out = new ArrayList<>();
            Set<Long> excused = foreign.getOrDefault(m, Set.of());
            m.pt.forEach((vpn, e) -> {
                long a = vpn << PageSize.PAGE_SHIFT;
                int pfn = DevicePageTable.pfn(e);
                String why = DeviceMirrorCheck.mismatch(m.device(), m.mm(), a, pfn, DevicePageTable.tag(e));
                DevPagemap pgmap = machine.physicalMemory().pgmap(pfn);
                boolean excuse = excused.contains(a) && pgmap != null && pgmap.owner() == m.device();
                if (why != null && !excuse && out.size() < 10) {
                    out.add(String.format("%s mirror of %s: page %x %s", m.device(), m.mm(), a, why));
                }
            });
            return out;
        }

        /** True when a page of the range is a read-only device-private page of {@code device}. */
        private boolean readOnlyDevicePage(Proc p, DmirrorDevice device, long start, long n) {
            for (int i = 0; i < n; i++) {
                long e = PageStates.entryAt(p.proc.mm(), start + i * P);
                if (Pte.isDevicePrivate(e) && !Pte.kindWritable(e)
                        && machine.physicalMemory().pgmap(Pte.pfn(e)).owner() == device) {
                    return true;
                }
            }
            return false;
        }

        /** After a failed device WRITE some pages may have been written: the reference takes what memory holds where it differs. */
        private void resync(Proc p, long start, long n) {
            for (int i = 0; i < n; i++) {
                long a = start + i * P;
                int pfn = frameOf(p, a);
                if (!p.pages.get(a).heldBy(data, pfn)) {
                    byte[] got = new byte[(int) P];
                    data.read(pfn, 0, got, 0, got.length);
                    p.pages.put(a, new Raw(got));
                }
            }
        }

        private void toDev(Proc p, Step<Op> s) {
            Dmirror m = mirror(p, s.d());
            long[] r = pickRange(p, s.b(), s.c());
            if (m == null || r == null) {
                return;
            }
            boolean hole = false;
            if (s.d() % 11 == 0) {
                r[1] = runFrom(p, r[0], Long.MAX_VALUE) + 1 + s.a() % 8; // past the end of the run: a hole
                hole = true;
            }
            if (!usable(p, m, r, "MIGRATE_TO_DEV")) {
                return;
            }
            if (s.a() % 5 == 0) {
                arm(p, s.d());
            }
            boolean mustMove = !hole && !armed(m) && movableOrMirrored(p, m, r[0], r[1]);
            DmirrorCmd cmd = new DmirrorCmd(r[0], r[1], new byte[(int) (r[1] * P)]);
            int ret = m.migrateToDev(cmd);
            log("%s %s MIGRATE_TO_DEV %x+%d pages -> %d", p, m.device(), r[0], r[1], ret);
            noteEntries(m, r[0], runFrom(p, r[0], r[1]));
            if (hole) {
                check(ret == -Errno.EINVAL, "MIGRATE_TO_DEV over a hole returned %d", ret);
                return;
            }
            // -ENOENT: some page could not move and the mirror has no entry for it (another device's page, FAIL_ALLOC, ...)
            check(ret == 0 || (!mustMove && ret == -Errno.ENOENT), "MIGRATE_TO_DEV returned %d", ret);
            if (ret == 0) {
                seen.add("MIGRATE_TO_DEV succeeded");
                if (mustMove) {
                    seen.add("MIGRATE_TO_DEV bound to succeed");
                }
                check(cmd.cpages == r[1], "MIGRATE_TO_DEV cpages %d, not %d", cmd.cpages, r[1]);
                compare(p, r[0], cmd.ptr, "MIGRATE_TO_DEV read-back");
            }
        }

        private void toSys(Proc p, Step<Op> s) {
            Dmirror m = mirror(p, s.d());
            long[] r = pickDeviceRange(p, s.b(), s.c());
            if (m == null || r == null) {
                return;
            }
            if (s.a() % 5 == 0) {
                arm(p, s.d());
            }
            boolean armed = anyArmed();
            DmirrorCmd cmd = new DmirrorCmd(r[0], r[1], null);
            int ret = m.migrateToSys(cmd);
            log("%s %s MIGRATE_TO_SYS %x+%d pages -> %d (cpages %d)", p, m.device(), r[0], r[1], ret, cmd.cpages);
            // -ENOMEM only from FAIL_ALLOC hitting a base page
            check(ret == 0 || (armed && ret == -Errno.ENOMEM), "MIGRATE_TO_SYS returned %d", ret);
            check(ret != 0 || (cmd.cpages >= 0 && cmd.cpages <= r[1]), "MIGRATE_TO_SYS cpages %d of %d", cmd.cpages, r[1]);
            if (ret == 0 && cmd.cpages > 0) {
                seen.add("MIGRATE_TO_SYS moved pages");
            }
        }

        /** HMM_DMIRROR_FLAGS with FAIL_ALLOC on one of {@code p}'s files. */
        private void arm(Proc p, int d) {
            Dmirror m = mirror(p, d);
            if (m == null) {
                return;
            }
            int ret = m.setFlags(new DmirrorCmd(0, Dmirror.FLAG_FAIL_ALLOC, null));
            armedByTest.add(m);
            log("%s %s FLAGS FAIL_ALLOC -> %d", p, m.device(), ret);
            check(ret == 0, "FLAGS returned %d", ret);
        }

        /** True when some open file has FAIL_ALLOC pending. */
        private boolean anyArmed() {
            for (Proc q : procs) {
                for (Dmirror m : q.mirrors) {
                    if (m != null && armed(m)) {
                        return true;
                    }
                }
            }
            return false;
        }

        /** Whether FAIL_ALLOC is pending on {@code m}, looked at without consuming it. */
        private static boolean armed(Dmirror m) {
            if (!m.consumeFailAlloc()) {
                return false;
            }
            m.setFlags(new DmirrorCmd(0, Dmirror.FLAG_FAIL_ALLOC, null));
            return true;
        }

        private void noteConsumedFlags() {
            if (armedByTest.removeIf(m -> !armed(m))) {
                seen.add("FAIL_ALLOC consumed");
            }
        }

        /** True when a page of the range is device-private (a CPU access there faults it back). */
        private static boolean onDevice(Proc p, long addr, long len) {
            for (long a = addr & -P; a < addr + len; a += P) {
                if (Pte.isDevicePrivate(PageStates.entryAt(p.proc.mm(), a))) {
                    return true;
                }
            }
            return false;
        }

        private void fork(Proc p) {
            if (procs.size() >= MAX_PROCS) {
                return;
            }
            for (long a : p.pages.keySet()) {
                if (Pte.isDevicePrivate(PageStates.entryAt(p.proc.mm(), a))) {
                    seen.add("device pages shared by fork");
                    break;
                }
            }
            Proc c = new Proc(p.proc.fork("c" + ++children), devices.size());
            c.pages.putAll(p.pages);
            openAll(c);
            procs.add(c);
            log("%s fork -> %s", p, c);
        }

        private void munmap(Proc p, Step<Op> s) {
            long[] r = pickDeviceRange(p, s.b(), s.c());
            if (r == null) {
                return;
            }
            long skip = (s.d() % 3 == 0) ? 0 : (s.d() >>> 2) % r[1];
            long start = r[0] + skip * P;
            long n = 1 + (long) (s.d() >>> 8) % (r[1] - skip);
            int ret = p.proc.munmap(start, n * P);
            log("%s munmap %x+%d pages -> %d", p, start, n, ret);
            check(ret == 0, "munmap returned %d", ret);
            p.pages.subMap(start, start + n * P).clear();
        }

        private void release(Proc p, Step<Op> s) {
            Dmirror m = mirror(p, s.d());
            if (m == null) {
                return;
            }
            int ret = m.release(new DmirrorCmd(0, 1, null));
            log("%s %s RELEASE -> %d", p, m.device(), ret);
            check(ret == 0, "RELEASE returned %d", ret);
            check(m.device().pagesInUse() == 0, "%d pages of %s still in use after RELEASE", m.device().pagesInUse(), m.device());
        }

        /** Closes one of {@code p}'s device files (all the device's memory goes back to RAM) and opens it again. */
        private void reopen(Proc p, Step<Op> s) {
            int d = s.d() % devices.size();
            p.mirrors[d].close();
            foreign.remove(p.mirrors[d]);
            log("%s reopen %s", p, devices.get(d));
            check(devices.get(d).pagesInUse() == 0, "%d pages of %s still in use after a close", devices.get(d).pagesInUse(), devices.get(d));
            p.mirrors[d] = devices.get(d).open(p.proc.mm());
        }

        /** A child exits: its address space goes first, then its files (do_exit's order). */
        private void exit(Step<Op> s) {
            if (procs.size() < 2) {
                return;
            }
            Proc p = procs.remove(1 + s.b() % (procs.size() - 1));
            p.proc.exit();
            closeAll(p);
            log("%s exit", p);
        }

        private void closeAll(Proc p) {
            for (int i = 0; i < p.mirrors.length; i++) {
                p.mirrors[i].close();
                p.mirrors[i] = null;
            }
        }

        // ---- checks ----

        /** Bytes read from {@code [addr, addr+got.length)} must be the reference's. */
        private void compare(Proc p, long addr, byte[] got, String what) {
            for (int i = 0; i < got.length; ) {
                long a = addr + i;
                long page = a & -P;
                int off = (int) (a - page);
                int n = (int) Math.min(P - off, got.length - i);
                Content want = p.pages.get(page);
                for (int k = 0; k < n; k++) {
                    if (got[i + k] != want.byteAt(off + k)) {
                        fail(String.format("%s of %s at %x: byte %d is %d, the reference (%s) has %d",
                                what, p, a + k, off + k, got[i + k], want, want.byteAt(off + k)));
                    }
                }
                i += n;
            }
        }

        /** Every mapped page holds the reference's contents (found through the page table, nothing faulted); no stale mirror; invariants. */
        private void checkCoherence() {
            for (Proc p : procs) {
                for (Map.Entry<Long, Content> e : p.pages.entrySet()) {
                    int pfn = frameOf(p, e.getKey());
                    if (!e.getValue().heldBy(data, pfn)) {
                        fail(String.format("%s page %x (frame %d) does not hold %s", p, e.getKey(), pfn, e.getValue()));
                    }
                }
                for (Dmirror m : p.mirrors) {
                    if (m != null) {
                        List<String> stale = stale(m);
                        check(stale.isEmpty(), "stale mirror entries: %s", stale);
                    }
                }
            }
            List<String> broken = machine.checkInvariants();
            check(broken.isEmpty(), "invariants: %s", broken);
            noteDeviceThps();
        }

        /** Coverage: PMD-level device entries, and such a block later mapped by PTEs (split). */
        private void noteDeviceThps() {
            Set<String> now = new HashSet<>();
            for (Proc p : procs) {
                for (long a : p.pages.keySet()) {
                    if ((a & (M2 - 1)) != 0) {
                        continue;
                    }
                    long pmd = p.proc.mm().pageTable().pmd(a);
                    String key = p + "@" + Long.toHexString(a);
                    if (Pte.leaf(pmd) && Pte.isDevicePrivate(pmd)) {
                        now.add(key);
                        seen.add("a THP on a device (PMD entry)");
                    } else if (deviceThps.contains(key) && Pte.isDevicePrivate(PageStates.entryAt(p.proc.mm(), a))) {
                        seen.add("a device THP split");
                    }
                }
            }
            deviceThps.clear();
            deviceThps.addAll(now);
        }

        /** The frame holding the page at {@code addr}, found through the page table without faulting (the zero page when none). */
        private int frameOf(Proc p, long addr) {
            long pte = PageStates.entryAt(p.proc.mm(), addr);
            if (Pte.none(pte)) {
                return machine.physicalMemory().zeroPfn();
            }
            if (!Pte.present(pte) && !Pte.isDevicePrivate(pte)) {
                fail(String.format("%s page %x has entry %x, neither present nor device-private", p, addr, pte));
            }
            return Pte.pfn(pte);
        }

        /** Reads everything back through the CPU, exits every process, closes every file: nothing may be left. */
        private void finish() {
            for (Proc p : procs) {
                for (Map.Entry<Long, Content> e : p.pages.entrySet()) {
                    byte[] got = new byte[(int) P];
                    int ret = p.proc.read(e.getKey(), got, 0, got.length);
                    check(ret == 0, "final read of %s %x returned %d", p, e.getKey(), ret);
                    compare(p, e.getKey(), got, "final read");
                }
            }
            for (Proc p : procs) {
                p.proc.exit();
                closeAll(p);
            }
            log("all exited");
            Map<String, Long> inUse = new LinkedHashMap<>();
            for (DmirrorDevice d : devices) {
                if (d.pagesInUse() != 0) {
                    inUse.put(d.name(), d.pagesInUse());
                }
            }
            check(inUse.isEmpty(), "device pages leaked: %s", inUse);
            List<String> broken = machine.checkInvariants();
            check(broken.isEmpty(), "invariants at the end: %s", broken);
            long free = machine.physicalMemory().buddy().freePages();
            check(free == freeAtBoot, "RAM pages leaked: %d free at boot, %d at the end", freeAtBoot, free);
        }

        private void log(String fmt, Object... args) {
            trace.add(String.format(fmt, args));
        }

        private void check(boolean ok, String fmt, Object... args) {
            if (!ok) {
                fail(String.format(fmt, args));
            }
        }

        private void fail(String why) {
            throw new AssertionError(why + "\nsteps:\n  " + String.join("\n  ", trace));
        }
    }
}
