package jhmm.mm;

import static jhmm.gup.EdgeCaseSupport.ANON;
import static jhmm.gup.EdgeCaseSupport.P;
import static jhmm.gup.EdgeCaseSupport.RW;
import static jhmm.gup.EdgeCaseSupport.assertReads;
import static jhmm.gup.EdgeCaseSupport.frame;
import static jhmm.gup.EdgeCaseSupport.map;
import static jhmm.gup.EdgeCaseSupport.written;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import jhmm.base.Errno;
import jhmm.base.Pattern;
import jhmm.device.dmirror.Dmirror;
import jhmm.device.dmirror.DmirrorCmd;
import jhmm.device.dmirror.DmirrorDevice;
import jhmm.gup.Gup;
import jhmm.kernel.Machine;
import jhmm.kernel.MachineConfig;
import jhmm.kernel.UserProcess;
import jhmm.phys.PageFlags;
import jhmm.phys.PhysicalMemory;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The migration edge cases 12-14 of gup-migrate-dma.md section 6: migration entries and the
 * accesses that meet them, migrate_vma_setup's refusals and what it leaves out, and
 * migrate_vma_pages losing a page to a CPU fault. Cases 13 and 14 drive
 * {@link MigrateDevice#setup}, {@link MigrateDevice#pages} and
 * {@link MigrateDevice#finalizeMigration} with a {@link MigrateVma} built here, as a driver
 * does, with system pages as destinations (migrate_vma_insert_page takes those as well as
 * device pages).
 *
 * <p>Case 13, the non-readable VMA: Linux's migrate_vma_setup itself has no VM_READ check (it
 * checks the VMA kind, the bounds and the arrays); the -EINVAL comes from its caller, the test
 * device's dmirror_migrate_to_device, which is what the selftest sees. The model keeps that
 * split, so that half is checked through the test device. Unaligned bounds are masked down to a
 * page, as Linux 6.x's migrate_vma_setup does.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class MigrateDeviceEdgeCaseTest {
    private final Machine machine = new Machine(MachineConfig.defaults().withRam(256L << 20));
    private final UserProcess p = machine.createProcess("p");
    private final PhysicalMemory phys = machine.physicalMemory();
    /** The driver's pgmap_owner cookie. */
    private final Object owner = new Object();

    private void assertCoherent() {
        assertThat(machine.checkInvariants()).as("invariants").isEmpty();
    }

    /** migrate_vma_setup under the mmap read lock, as drivers call it. */
    private MigrateVma setup(long start, long end, int flags, int[] ret) {
        Mm mm = p.mm();
        mm.mmapLock().readLock().lock();
        try {
            MigrateVma m = new MigrateVma(mm.findVma(start), start, end, owner, flags);
            ret[0] = MigrateDevice.setup(m);
            return m;
        } finally {
            mm.mmapLock().readLock().unlock();
        }
    }

    private int setupResult(long start, long end) {
        int[] ret = new int[1];
        setup(start, end, MigrateVma.SELECT_SYSTEM, ret);
        return ret[0];
    }

    /** Gives {@code t} {@code millis} to run: long past the point where an access retrying a bounded number of times gives up. */
    private static void letRun(Thread t, long millis) {
        long deadline = System.nanoTime() + Duration.ofMillis(millis).toNanos();
        while (t.isAlive() && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
    }

    private static void join(Thread t) {
        try {
            t.join(20_000);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
        assertThat(t.isAlive()).as("%s finished", t.getName()).isFalse();
    }

    /** Edge case 12: migration replaces PTEs with migration entries; accesses during the window wait; on success the process sees the same data at a new pfn. */
    @Test
    @DisplayName("gup edge 12: the PTE becomes a migration entry; a CPU read and a GUP meeting it wait; after, both processes see the same data at a new pfn")
    void migrationEntriesAndWaiters() {
        long a = written(p, P);
        int old = frame(p, a);
        UserProcess child = p.fork("c"); // two mappings of the page: both must be replaced
        byte[] seen = new byte[(int) P];
        AtomicInteger readRet = new AtomicInteger(Integer.MIN_VALUE);
        AtomicLong gupRet = new AtomicLong(Long.MIN_VALUE);
        int[] got = new int[1];
        Thread reader = new Thread(() -> readRet.set(p.read(a, seen, 0, (int) P)), "cpu-read");
        // FOLL_GET, not a pin: a read pin would unshare the page the fork left shared (edge case 10)
        Thread gup = new Thread(() -> gupRet.set(Gup.getUserPagesFast(p.mm(), a, 1, 0, got)), "gup");

        boolean ran = EdgeStates.duringMigration(machine, p, a, P, () -> {
            assertThat(PageStates.of(p.mm(), a)).isEqualTo(PageState.MIGRATION);
            reader.start();
            gup.start();
            // far longer than any retry budget lasts: the accesses must wait, not give up
            letRun(reader, 300);
            letRun(gup, 300);
            assertThat(reader.isAlive()).as("the CPU read waits for the migration").isTrue();
            assertThat(gup.isAlive()).as("GUP waits for the migration").isTrue();
            assertThat(PageStates.of(p.mm(), a)).isEqualTo(PageState.MIGRATION);
        });
        assertThat(ran).as("saw the migration entry").isTrue();
        join(reader);
        join(gup);

        int now = frame(p, a);
        assertThat(now).as("a new pfn").isNotEqualTo(old);
        assertThat(frame(child, a)).as("the child's mapping moved too").isEqualTo(now);
        assertThat(readRet.get()).as("the read succeeded after waiting").isZero();
        for (int i = 0; i < P; i++) {
            assertThat(seen[i]).as("byte %d read during the migration", i).isEqualTo(Pattern.i32(0).byteAt(i));
        }
        assertThat(gupRet.get()).as("GUP succeeded after waiting").isEqualTo(1);
        assertThat(got[0]).as("and took the new page").isEqualTo(now);
        assertReads(p, a, P, Pattern.i32(0), a);
        assertReads(child, a, P, Pattern.i32(0), a);
        Gup.putPage(phys, got[0]);
        assertCoherent();
    }

    /**
     * Edge case 13: migrate_vma_setup -EINVAL for a range not inside one VMA; an unaligned start
     * or end is masked down, not refused; the non-readable VMA's -EINVAL is the test device's.
     * Shared anonymous (shmem) pages are collected and unmapped, then refused by
     * migrate_vma_pages for a device destination (the selftest sees -ENOENT).
     */
    @Test
    @DisplayName("gup edge 13: migrate_vma_setup -EINVAL across VMAs, masks unaligned ends down; -EINVAL for a non-readable VMA from the test device; shmem pages collected, then refused (-ENOENT)")
    void setupRefusalsAndSharedAnon() {
        long a = written(p, 4 * P);
        assertThat(p.mprotect(a + 2 * P, 2 * P, Mman.PROT_READ)).isZero(); // two VMAs
        assertThat(p.mm().findVma(a).end()).isEqualTo(a + 2 * P);
        assertThat(setupResult(a, a + 4 * P)).as("across two VMAs").isEqualTo(-Errno.EINVAL);
        assertThat(setupResult(a + P, a + 3 * P)).as("straddling the boundary").isEqualTo(-Errno.EINVAL);
        assertThat(setupResult(a + 8, a + 8)).as("empty once masked").isEqualTo(-Errno.EINVAL);
        for (int i = 0; i < 4; i++) {
            assertThat(PageStates.of(p.mm(), a + i * P)).as("page %d untouched", i).isIn(PageState.PRESENT_RW, PageState.PRESENT_RO);
        }

        int[] ret = new int[1];
        MigrateVma unaligned = setup(a + 1, a + 2 * P - 8, MigrateVma.SELECT_SYSTEM, ret);
        assertThat(ret[0]).as("unaligned start and end are masked down").isZero();
        assertThat(unaligned.start).isEqualTo(a);
        assertThat(unaligned.end).isEqualTo(a + P);
        assertThat(unaligned.npages).isEqualTo(1);
        assertThat(unaligned.cpages).isEqualTo(1);
        MigrateDevice.pages(unaligned);
        MigrateDevice.finalizeMigration(unaligned);
        assertReads(p, a, 2 * P, Pattern.i32(0), a);

        DmirrorDevice dev = new DmirrorDevice("dmirror", DmirrorDevice.MemoryType.PRIVATE, machine.memory(), 64L << 20);
        Dmirror mirror = dev.open(p.mm());
        long none = map(p, 2 * P, Mman.PROT_NONE, ANON);
        assertThat(mirror.migrateToDev(new DmirrorCmd(none, 2, new byte[(int) (2 * P)]))).as("non-readable VMA")
                .isEqualTo(-Errno.EINVAL);

        long shared = map(p, 4 * P, RW, Mman.MAP_SHARED | Mman.MAP_ANONYMOUS);
        assertThat(p.write(shared, 2 * P, Pattern.i32(50), shared)).isZero(); // two pages, two holes
        int[] frames = {frame(p, shared), frame(p, shared + P)};
        MigrateVma m = setup(shared, shared + 4 * P, MigrateVma.SELECT_SYSTEM, ret);
        assertThat(ret[0]).isZero();
        assertThat(m.cpages).as("the two shmem pages are collected; no hole in a shmem VMA").isEqualTo(2);
        assertThat(PageStates.of(p.mm(), shared)).as("and unmapped").isEqualTo(PageState.MIGRATION);
        assertThat(m.src[2]).isZero();
        assertThat(m.src[3]).isZero();
        m.dst[0] = MigrateVma.entry(phys.allocFolio(0));
        MigrateDevice.pages(m);
        assertThat(m.src[0] & MigrateVma.MIGRATE).as("a page-cache page is refused").isZero();
        MigrateDevice.finalizeMigration(m);
        assertThat(frame(p, shared)).isEqualTo(frames[0]);
        assertThat(frame(p, shared + P)).isEqualTo(frames[1]);
        assertThat(PageStates.of(p.mm(), shared)).isEqualTo(PageState.PRESENT_RW);

        DmirrorCmd cmd = new DmirrorCmd(shared, 2, new byte[(int) (2 * P)]);
        assertThat(mirror.migrateToDev(cmd)).as("the selftest's migrate_shared").isEqualTo(-Errno.ENOENT);
        assertThat(dev.pagesInUse()).isZero();
        assertReads(p, shared, 2 * P, Pattern.i32(50), shared);
        assertCoherent();
    }

    /**
     * Edge case 14: migrate_vma_pages loses to a concurrent CPU fault: that entry's MIGRATE flag
     * is cleared and finalize restores the source. Also the other race section 3 names: a
     * reference that appears on a collected source page.
     */
    @Test
    @DisplayName("gup edge 14: a CPU fault on a hole (or a new reference on a page) before migrate_vma_pages wins: MIGRATE cleared, the source kept")
    void pagesLosesToCpuFault() {
        long a = map(p, 4 * P, RW, ANON); // never touched: four holes
        int[] ret = new int[1];
        MigrateVma m = setup(a, a + 4 * P, MigrateVma.SELECT_SYSTEM, ret);
        assertThat(ret[0]).isZero();
        assertThat(m.cpages).as("holes are collected").isEqualTo(4);
        int[] dst = new int[4];
        for (int i = 0; i < 4; i++) {
            assertThat(m.src[i]).as("slot %d: a hole that may migrate", i).isEqualTo(MigrateVma.MIGRATE);
            dst[i] = phys.allocFolio(0);
            phys.data().writePattern(dst[i], 0, (int) P, Pattern.fillByte(0x44), 0); // the driver's copy
            m.dst[i] = MigrateVma.entry(dst[i]) | MigrateVma.WRITE;
        }

        assertThat(p.write(a + P, P, Pattern.fillByte(0x11), a + P)).as("the CPU faults the hole in first").isZero();
        int cpuPage = frame(p, a + P);

        Mm mm = p.mm();
        mm.mmapLock().readLock().lock();
        try {
            MigrateDevice.pages(m);
            assertThat(m.src[1] & MigrateVma.MIGRATE).as("the slot lost its MIGRATE flag").isZero();
            for (int i : new int[] {0, 2, 3}) {
                assertThat(m.src[i] & MigrateVma.MIGRATE).as("slot %d still migrates", i).isNotZero();
            }
            MigrateDevice.finalizeMigration(m);
        } finally {
            mm.mmapLock().readLock().unlock();
        }

        assertThat(frame(p, a + P)).as("the CPU's page stays").isEqualTo(cpuPage);
        assertReads(p, a + P, P, Pattern.fillByte(0x11), a + P);
        assertThat(phys.frames().test(dst[1], PageFlags.FREE)).as("the unused destination is freed").isTrue();
        for (int i : new int[] {0, 2, 3}) {
            assertThat(frame(p, a + i * P)).isEqualTo(dst[i]);
            assertReads(p, a + i * P, P, Pattern.fillByte(0x44), 0);
        }
        assertCoherent();

        referenceAppearsBeforePages();
    }

    /**
     * The other way to lose the race (section 3, migrate_vma_pages): a reference appears on a
     * collected source page between setup and pages (a pfn scanner's speculative
     * folio_try_get, as compaction's takes): the entry's MIGRATE flag is cleared and finalize
     * restores the source.
     */
    private void referenceAppearsBeforePages() {
        long a = written(p, 2 * P);
        int[] old = {frame(p, a), frame(p, a + P)};
        int[] ret = new int[1];
        MigrateVma m = setup(a, a + 2 * P, MigrateVma.SELECT_SYSTEM, ret);
        assertThat(ret[0]).isZero();
        assertThat(m.cpages).isEqualTo(2);
        int[] dst = new int[2];
        for (int i = 0; i < 2; i++) {
            assertThat(MigrateVma.pfn(m.src[i])).isEqualTo(old[i]);
            assertThat(PageStates.of(p.mm(), a + i * P)).isEqualTo(PageState.MIGRATION);
            dst[i] = phys.allocFolio(0);
            phys.data().copyTo(old[i], phys.data(), dst[i]);
            m.dst[i] = MigrateVma.entry(dst[i]) | MigrateVma.WRITE;
        }

        phys.get(old[0]); // the speculative reference
        Mm mm = p.mm();
        mm.mmapLock().readLock().lock();
        try {
            MigrateDevice.pages(m);
            assertThat(m.src[0] & MigrateVma.MIGRATE).as("the referenced page lost MIGRATE").isZero();
            assertThat(m.src[1] & MigrateVma.MIGRATE).isNotZero();
            MigrateDevice.finalizeMigration(m);
        } finally {
            mm.mmapLock().readLock().unlock();
        }
        phys.put(old[0]);

        assertThat(frame(p, a)).as("the source is restored").isEqualTo(old[0]);
        assertThat(PageStates.of(p.mm(), a)).isEqualTo(PageState.PRESENT_RW);
        assertThat(phys.frames().test(dst[0], PageFlags.FREE)).isTrue();
        assertThat(frame(p, a + P)).isEqualTo(dst[1]);
        assertThat(phys.frames().test(old[1], PageFlags.FREE)).isTrue();
        assertReads(p, a, 2 * P, Pattern.i32(0), a);
        assertCoherent();
    }
    /** migrate_vma_pages and migrate_vma_finalize under the mmap read lock. */
    private void finish(MigrateVma m) {
        p.mm().mmapLock().readLock().lock();
        try {
            MigrateDevice.pages(m);
            MigrateDevice.finalizeMigration(m);
        } finally {
            p.mm().mmapLock().readLock().unlock();
        }
    }

    @Test
    @DisplayName("mprotect over a writable migration entry makes it read-only, so the page comes back read-only (change_pte_range)")
    void mprotectDuringMigrationLeavesThePageReadOnly() {
        long a = written(p, P);
        int[] ret = new int[1];
        MigrateVma m = setup(a, a + P, MigrateVma.SELECT_SYSTEM, ret);
        assertThat(ret[0]).isZero();
        assertThat(PageStates.of(p.mm(), a)).isEqualTo(PageState.MIGRATION);
        assertThat(machine.checkInvariants()).as("a migration entry while no migration runs is reported")
                .anyMatch(v -> v.contains("migration entry"));
        assertThat(p.mprotect(a, P, Mman.PROT_READ)).isZero();
        finish(m); // no destination: the old page is mapped again from the migration entry
        assertThat(PageStates.of(p.mm(), a)).isEqualTo(PageState.PRESENT_RO);
        assertThat(p.write(a, P, Pattern.i32(1), a)).as("a store to the read-only VMA").isEqualTo(-Errno.EFAULT);
        assertCoherent();
    }

    @Test
    @DisplayName("a CPU read of a device page whose lock another thread holds retries until it is released, however long (do_swap_page)")
    void aReadWaitsForALockedDevicePageAsLongAsItTakes() {
        DmirrorDevice device = new DmirrorDevice("d", DmirrorDevice.MemoryType.PRIVATE, machine.memory(), 2L << 20);
        Dmirror mirror = device.open(p.mm());
        long a = written(p, P);
        assertThat(mirror.migrateToDev(new DmirrorCmd(a, 1, new byte[(int) P]))).isZero();
        int devicePfn = Pte.pfn(PageStates.entryAt(p.mm(), a));
        assertThat(phys.frames().tryLock(devicePfn)).as("the test holds the device page, as a migration would").isTrue();
        byte[] seen = new byte[(int) P];
        AtomicInteger readRet = new AtomicInteger(Integer.MIN_VALUE);
        Thread reader = new Thread(() -> readRet.set(p.read(a, seen, 0, (int) P)), "cpu-read");
        reader.start();
        letRun(reader, 300);
        assertThat(reader.isAlive()).as("the read still retries").isTrue();
        phys.frames().unlock(devicePfn);
        join(reader);
        assertThat(readRet.get()).isZero();
        assertReads(p, a, P, Pattern.i32(0), a);
        mirror.close();
        assertCoherent();
    }
}
