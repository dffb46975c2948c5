package jhmm.device.dmirror;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jhmm.base.Errno;
import jhmm.base.Pattern;
import jhmm.kernel.Machine;
import jhmm.kernel.MachineConfig;
import jhmm.kernel.UserProcess;
import jhmm.mm.Mman;
import org.junit.jupiter.api.Test;

/** The kernel's HMM test device (lib/test_hmm.c) driven as hmm-tests.c drives it. */
class DmirrorTest {
    private static final int P = 4096;
    private static final int N = 16;

    private final Machine machine = new Machine(MachineConfig.defaults().withRam(128L << 20));
    private final UserProcess p = machine.createProcess("p");
    private final DmirrorDevice dev0 = new DmirrorDevice("dmirror0", DmirrorDevice.MemoryType.PRIVATE);
    private final Dmirror d = dev0.open(p.mm());

    private long anon(int prot) {
        return p.mmap(0, (long) N * P, prot, Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS, null, 0);
    }

    private static byte[] pattern(Pattern pat, int bytes) {
        byte[] b = new byte[bytes];
        pat.fill(0, b, 0, bytes);
        return b;
    }

    private static int intAt(byte[] b, int i) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getInt(i * 4);
    }

    @Test
    void anonReadFaultsTheWholeRangeInOnePass() {
        long a = anon(Mman.PROT_READ | Mman.PROT_WRITE);
        p.write(a + 2L * P, (long) (N - 2) * P, Pattern.i32(0), a);
        p.mprotect(a, (long) N * P, Mman.PROT_READ);
        p.read(a + P, new byte[4], 0, 4);
        DmirrorCmd cmd = new DmirrorCmd(a, N, new byte[N * P]);
        assertThat(d.read(cmd)).isZero();
        assertThat(cmd.cpages).isEqualTo(N);
        assertThat(cmd.faults).isEqualTo(1);
        assertThat(intAt(cmd.ptr, 0)).isZero();
        assertThat(intAt(cmd.ptr, 2 * P / 4 + 5)).isEqualTo(2 * P / 4 + 5);
        assertThat(d.staleEntries()).isEmpty();
    }

    @Test
    void anonWriteProtFailsWithEpermThenSucceedsAfterMprotect() {
        long a = anon(Mman.PROT_READ);
        DmirrorCmd one = new DmirrorCmd(a, 1, new byte[P]);
        assertThat(d.read(one)).isZero();
        assertThat(one.cpages).isEqualTo(1);
        assertThat(one.faults).isEqualTo(1);
        DmirrorCmd w = new DmirrorCmd(a, N, pattern(Pattern.i32(0), N * P));
        assertThat(d.write(w)).isEqualTo(-Errno.EPERM);
        assertThat(p.mprotect(a, (long) N * P, Mman.PROT_READ | Mman.PROT_WRITE)).isZero();
        assertThat(d.write(w)).isZero();
        assertThat(w.cpages).isEqualTo(N);
        assertThat(w.faults).isEqualTo(1);
        byte[] back = new byte[N * P];
        p.read(a, back, 0, back.length);
        assertThat(back).isEqualTo(pattern(Pattern.i32(0), N * P));
        assertThat(d.staleEntries()).isEmpty();
        assertThat(machine.checkInvariants()).isEmpty();
    }

    @Test
    void readOfProtNoneMemoryFailsWithEfaultAndCopiesNothing() {
        long a = anon(Mman.PROT_READ | Mman.PROT_WRITE);
        p.write(a, (long) N * P, Pattern.i32(0), a);
        p.mprotect(a, (long) N * P, Mman.PROT_NONE);
        byte[] mirror = pattern(Pattern.negI32(), N * P);
        DmirrorCmd cmd = new DmirrorCmd(a, N, mirror);
        assertThat(d.read(cmd)).isEqualTo(-Errno.EFAULT);
        assertThat(cmd.ptr).isEqualTo(pattern(Pattern.negI32(), N * P));
    }

    @Test
    void snapshotReportsTheTestDevicesCodes() {
        long a = p.mmap(0, 7L * P, Mman.PROT_NONE, Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS, null, 0);
        p.munmap(a + P, P);
        p.mprotect(a + 2L * P, P, Mman.PROT_READ);
        p.read(a + 2L * P, new byte[4], 0, 4);
        p.mprotect(a + 3L * P, P, Mman.PROT_READ | Mman.PROT_WRITE);
        p.write(a + 3L * P, 4, Pattern.fillByte(3), a);
        p.mprotect(a + 3L * P, P, Mman.PROT_READ);
        p.mprotect(a + 4L * P, 3L * P, Mman.PROT_READ | Mman.PROT_WRITE);
        p.write(a + 4L * P, 4, Pattern.fillByte(3), a);
        DmirrorCmd cmd = new DmirrorCmd(a, 7, new byte[7]);
        assertThat(d.snapshot(cmd)).isZero();
        assertThat(cmd.cpages).isEqualTo(7);
        assertThat(cmd.ptr).containsExactly(0xFF, 0xFF, 0x11, 0x01, 0x02, 0x00, 0x00);
    }

    @Test
    void exclusiveIsRevokedByCpuAccess() {
        long a = anon(Mman.PROT_READ | Mman.PROT_WRITE);
        p.write(a, (long) N * P, Pattern.i32(0), a);
        DmirrorCmd cmd = new DmirrorCmd(a, N, new byte[N * P]);
        assertThat(d.exclusive(cmd)).isZero();
        assertThat(cmd.cpages).isEqualTo(N);
        assertThat(cmd.ptr).isEqualTo(pattern(Pattern.i32(0), N * P));
        assertThat(d.checkExclusive(new DmirrorCmd(a, N, null))).isEqualTo(-Errno.EPERM);
        assertThat(d.staleEntries()).isEmpty();
        p.write(a, (long) N * P, Pattern.i32(1), a);
        assertThat(d.checkExclusive(new DmirrorCmd(a, N, null))).isZero();
        assertThat(machine.checkInvariants()).isEmpty();
    }

    @Test
    void forkInvalidatesTheParentsWritableEntries() {
        long a = anon(Mman.PROT_READ | Mman.PROT_WRITE);
        DmirrorCmd w = new DmirrorCmd(a, N, pattern(Pattern.i32(0), N * P));
        assertThat(d.write(w)).isZero();
        p.fork("c");
        assertThat(d.staleEntries()).isEmpty();
        DmirrorCmd again = new DmirrorCmd(a, N, pattern(Pattern.negI32(), N * P));
        assertThat(d.write(again)).isZero();
        assertThat(again.faults).isEqualTo(1);
        assertThat(d.staleEntries()).isEmpty();
    }

    @Test
    void theCoherenceCheckCatchesAStaleOrOverWritableDeviceEntry() {
        long a = anon(Mman.PROT_READ | Mman.PROT_WRITE);
        p.write(a, (long) N * P, Pattern.i32(0), a);
        assertThat(d.read(new DmirrorCmd(a, N, new byte[N * P]))).isZero();
        assertThat(d.staleEntries()).isEmpty();
        long vpn = a >>> 12;
        long e = d.pt.load(vpn);
        // a driver that kept an entry after the CPU moved the page
        d.pt.store(vpn, DevicePageTable.pfn(e) + 1, DevicePageTable.TAG_READ);
        assertThat(d.staleEntries()).singleElement().asString().contains("does not map there");
        // a driver that maps writable what the CPU maps read-only
        p.mprotect(a, (long) N * P, Mman.PROT_READ);
        d.pt.store(vpn, DevicePageTable.pfn(e), DevicePageTable.TAG_WRITE);
        assertThat(d.staleEntries()).singleElement().asString().contains("read-only");
    }
}
