package jhmm.device.dmirror;

import static org.assertj.core.api.Assertions.assertThat;

import jhmm.base.Errno;
import jhmm.base.Pattern;
import jhmm.kernel.Machine;
import jhmm.kernel.MachineConfig;
import jhmm.kernel.UserProcess;
import jhmm.mm.Mman;
import jhmm.mm.PageState;
import jhmm.mm.ThpMode;
import org.junit.jupiter.api.Test;

/** Device memory and migration through the test device (hmm-tests.md 1.11-1.16). */
class DeviceMemoryTest {
    private static final int P = 4096;
    private static final int N = 16;
    private static final long M2 = 2L << 20;

    private final Machine machine = new Machine(MachineConfig.defaults().withRam(256L << 20).withThp(ThpMode.MADVISE));
    private final UserProcess p = machine.createProcess("p");
    private final DmirrorDevice dev0 = new DmirrorDevice("dmirror0", DmirrorDevice.MemoryType.PRIVATE, machine.memory(), 64L << 20);
    private final DmirrorDevice dev1 = new DmirrorDevice("dmirror1", DmirrorDevice.MemoryType.PRIVATE, machine.memory(), 64L << 20);
    private final Dmirror d = dev0.open(p.mm());

    private long anon(long len, int prot) {
        return p.mmap(0, len, prot, Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS, null, 0);
    }

    private static byte[] pattern(Pattern pat, int bytes) {
        byte[] b = new byte[bytes];
        pat.fill(0, b, 0, bytes);
        return b;
    }

    private void assertCoherent() {
        assertThat(machine.checkInvariants()).isEmpty();
        assertThat(d.staleEntries()).isEmpty();
    }

    @Test
    void migrateMovesPagesToDeviceAndCpuAccessBringsThemBack() {
        long a = anon((long) N * P, Mman.PROT_READ | Mman.PROT_WRITE);
        p.write(a, (long) N * P, Pattern.i32(0), a);
        DmirrorCmd cmd = new DmirrorCmd(a, N, new byte[N * P]);
        assertThat(d.migrateToDev(cmd)).isZero();
        assertThat(cmd.cpages).isEqualTo(N);
        assertThat(cmd.ptr).isEqualTo(pattern(Pattern.i32(0), N * P));
        assertThat(p.pageState(a)).isEqualTo(PageState.DEVICE_PRIVATE);
        assertThat(dev0.pagesInUse()).isEqualTo(N);
        assertCoherent();
        DmirrorCmd snap = new DmirrorCmd(a, N, new byte[N]);
        assertThat(d.snapshot(snap)).isZero();
        assertThat(snap.ptr[0] & 0xFF).isEqualTo(DmirrorProt.DEV_PRIVATE_LOCAL | DmirrorProt.WRITE);
        byte[] half = new byte[N * P / 2];
        assertThat(p.read(a, half, 0, half.length)).isZero();
        assertThat(half).isEqualTo(pattern(Pattern.i32(0), N * P / 2));
        assertThat(p.pageState(a)).isIn(PageState.PRESENT_RW, PageState.PRESENT_RO);
        assertThat(dev0.pagesInUse()).isEqualTo(N / 2);
        DmirrorCmd again = new DmirrorCmd(a, N, new byte[N * P]);
        assertThat(d.migrateToDev(again)).isZero();
        assertThat(again.ptr).isEqualTo(pattern(Pattern.i32(0), N * P));
        assertCoherent();
        p.munmap(a, (long) N * P);
        assertThat(dev0.pagesInUse()).isZero();
        assertCoherent();
    }

    @Test
    void releaseEvictsEverythingBackToRam() {
        long a = anon((long) N * P, Mman.PROT_READ | Mman.PROT_WRITE);
        p.write(a, (long) N * P, Pattern.i32(0), a);
        assertThat(d.migrateToDev(new DmirrorCmd(a, N, new byte[N * P]))).isZero();
        assertThat(d.release(new DmirrorCmd(a, N, null))).isZero();
        assertThat(dev0.pagesInUse()).isZero();
        assertThat(p.pageState(a)).isIn(PageState.PRESENT_RW, PageState.PRESENT_RO);
        byte[] back = new byte[N * P];
        p.read(a, back, 0, back.length);
        assertThat(back).isEqualTo(pattern(Pattern.i32(0), N * P));
        assertCoherent();
    }

    @Test
    void migrateToSysReportsPagesMoved() {
        long a = anon((long) N * P, Mman.PROT_READ | Mman.PROT_WRITE);
        p.write(a, (long) N * P, Pattern.i32(0), a);
        d.migrateToDev(new DmirrorCmd(a, N, new byte[N * P]));
        DmirrorCmd sys = new DmirrorCmd(a, N, null);
        assertThat(d.migrateToSys(sys)).isZero();
        assertThat(sys.cpages).isEqualTo(N);
        assertThat(dev0.pagesInUse()).isZero();
        assertCoherent();
    }

    @Test
    void sharedMemoryIsNotMigratable() {
        long a = p.mmap(0, (long) N * P, Mman.PROT_READ | Mman.PROT_WRITE, Mman.MAP_SHARED | Mman.MAP_ANONYMOUS, null, 0);
        assertThat(d.migrateToDev(new DmirrorCmd(a, N, new byte[N * P]))).isEqualTo(-Errno.ENOENT);
    }

    @Test
    void aThpMigratesAsOnePmdLevelDevicePrivateEntry() {
        long a = p.mmapAligned(M2, M2, Mman.PROT_READ | Mman.PROT_WRITE, Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS, null, 0);
        p.madvise(a, M2, Mman.MADV_HUGEPAGE);
        p.write(a, M2, Pattern.i32(0), a);
        assertThat(p.pageState(a)).isEqualTo(PageState.HUGE_PMD);
        int n = (int) (M2 / P);
        DmirrorCmd cmd = new DmirrorCmd(a, n, new byte[n * P]);
        assertThat(d.migrateToDev(cmd)).isZero();
        assertThat(cmd.cpages).isEqualTo(n);
        DmirrorCmd snap = new DmirrorCmd(a, n, new byte[n]);
        assertThat(d.snapshot(snap)).isZero();
        assertThat(snap.ptr[0] & 0xFF).isEqualTo(0x26);
        assertThat(snap.ptr[n - 1] & 0xFF).isEqualTo(0x26);
        assertCoherent();
        byte[] back = new byte[(int) M2];
        assertThat(p.read(a, back, 0, back.length)).isZero();
        assertThat(back).isEqualTo(pattern(Pattern.i32(0), (int) M2));
        assertThat(p.pageState(a)).isEqualTo(PageState.HUGE_PMD);
        assertCoherent();
    }

    @Test
    void partialMunmapSplitsADeviceThp() {
        long a = p.mmapAligned(M2, M2, Mman.PROT_READ | Mman.PROT_WRITE, Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS, null, 0);
        p.madvise(a, M2, Mman.MADV_HUGEPAGE);
        p.write(a, M2, Pattern.i32(0), a);
        int n = (int) (M2 / P);
        assertThat(d.migrateToDev(new DmirrorCmd(a, n, new byte[n * P]))).isZero();
        assertThat(p.munmap(a + M2 / 4, M2 / 2)).isZero();
        assertCoherent();
        byte[] first = new byte[(int) (M2 / 4)];
        assertThat(p.read(a, first, 0, first.length)).isZero();
        assertThat(first).isEqualTo(pattern(Pattern.i32(0), first.length));
        assertCoherent();
    }

    @Test
    void aFailedLargeAllocationFallsBackToBasePages() {
        long a = p.mmapAligned(M2, M2, Mman.PROT_READ | Mman.PROT_WRITE, Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS, null, 0);
        p.madvise(a, M2, Mman.MADV_HUGEPAGE);
        p.write(a, M2, Pattern.i32(0), a);
        int n = (int) (M2 / P);
        assertThat(d.setFlags(new DmirrorCmd(a, Dmirror.FLAG_FAIL_ALLOC, null))).isZero();
        DmirrorCmd cmd = new DmirrorCmd(a, n, new byte[n * P]);
        assertThat(d.migrateToDev(cmd)).isZero();
        assertThat(cmd.cpages).isEqualTo(n);
        assertThat(cmd.ptr).isEqualTo(pattern(Pattern.i32(0), n * P));
        assertCoherent();
    }

    @Test
    void anotherDevicesPagesAreFaultedBackThroughItsDriver() {
        long a = anon(6L * P, Mman.PROT_READ | Mman.PROT_WRITE);
        p.write(a, 6L * P, Pattern.i32(0), a);
        p.mprotect(a, 6L * P, Mman.PROT_READ);
        Dmirror b = dev1.open(p.mm());
        assertThat(d.read(new DmirrorCmd(a, 6, new byte[6 * P]))).isZero();
        assertThat(b.migrateToDev(new DmirrorCmd(a, 6, new byte[6 * P]))).isZero();
        assertThat(d.staleEntries()).isEmpty();
        DmirrorCmd again = new DmirrorCmd(a, 6, new byte[6 * P]);
        assertThat(d.read(again)).isZero();
        assertThat(again.faults).isEqualTo(1);
        assertThat(again.ptr).isEqualTo(pattern(Pattern.i32(0), 6 * P));
        assertCoherent();
    }

    @Test
    void forkWriteProtectsDevicePrivateEntriesInBothProcesses() {
        long a = anon((long) N * P, Mman.PROT_READ | Mman.PROT_WRITE);
        p.write(a, (long) N * P, Pattern.i32(0), a);
        d.migrateToDev(new DmirrorCmd(a, N, new byte[N * P]));
        UserProcess c = p.fork("c");
        p.write(a, (long) N * P, Pattern.negI32(), a);
        byte[] child = new byte[N * P];
        c.read(a, child, 0, child.length);
        assertThat(child).isEqualTo(pattern(Pattern.i32(0), N * P));
        assertCoherent();
        c.exit();
        p.exit();
        assertThat(dev0.pagesInUse()).isZero();
        assertThat(machine.checkInvariants()).isEmpty();
    }
    @Test
    void forkSharesAReadOnlyDevicePageThatWasExclusiveSoTheParentsWriteCopiesIt() {
        // folio_try_dup_anon_rmap_pte clears AnonExclusive for every device-private page fork
        // copies, read-only entries too (found by DeviceMemoryPropertyTest, seed 8016761851949690850)
        Machine thp = new Machine(MachineConfig.defaults().withRam(256L << 20).withThp(ThpMode.ALWAYS));
        UserProcess q = thp.createProcess("q");
        Dmirror m0 = new DmirrorDevice("d0", DmirrorDevice.MemoryType.PRIVATE, thp.memory(), 4L << 20).open(q.mm());
        Dmirror m1 = new DmirrorDevice("d1", DmirrorDevice.MemoryType.PRIVATE, thp.memory(), 4L << 20).open(q.mm());
        long a = q.mmapAligned(M2, M2, Mman.PROT_READ | Mman.PROT_WRITE, Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS, null, 0);
        int n = (int) (M2 / P);
        assertThat(m1.migrateToDev(new DmirrorCmd(a, n, new byte[n * P]))).isZero();
        UserProcess c1 = q.fork("c1");
        assertThat(m0.write(new DmirrorCmd(a, 10, pattern(Pattern.i32(0), 10 * P)))).isZero();
        c1.exit();
        assertThat(q.write(a, 60L * P, Pattern.i32(0), a)).isZero();
        assertThat(m0.setFlags(new DmirrorCmd(a, Dmirror.FLAG_FAIL_ALLOC, null))).isZero();
        assertThat(m0.migrateToDev(new DmirrorCmd(a, n, new byte[n * P]))).isZero();
        UserProcess c2 = q.fork("c2");
        assertThat(q.write(a, M2, Pattern.i32(7), a)).isZero();
        byte[] page = new byte[P];
        assertThat(c2.read(a + 60L * P, page, 0, P)).isZero();
        assertThat(page).as("the child's page 60 still holds what it held at fork: zeros").isEqualTo(new byte[P]);
        assertThat(thp.checkInvariants()).isEmpty();
    }
}
