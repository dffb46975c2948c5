package jhmm.device.dmirror;

import static org.assertj.core.api.Assertions.assertThat;

import jhmm.base.PageSize;
import jhmm.base.Pattern;
import jhmm.kernel.Machine;
import jhmm.kernel.MachineConfig;
import jhmm.kernel.UserProcess;
import jhmm.mm.Mman;
import jhmm.mm.PageState;
import jhmm.mm.PageStates;
import jhmm.mm.ThpMode;
import org.junit.jupiter.api.Test;

/**
 * The device side over a THP left partly mapped by MADV_DONTNEED (a large folio mapped by PTEs,
 * one of them none): hmm_range_fault faults only the hole, migration to the device splits it.
 */
class PartlyMappedThpDeviceTest {
    private static final int P = 4096;
    private static final int NR = PageSize.HPAGE_PMD_NR;
    private static final long HOLE = 5L * P;

    private final Machine machine = new Machine(MachineConfig.defaults().withRam(64L << 20).withThp(ThpMode.ALWAYS));
    private final UserProcess p = machine.createProcess("p");
    private final DmirrorDevice dev = new DmirrorDevice("dmirror0", DmirrorDevice.MemoryType.PRIVATE, machine.memory(), 4L << 20);
    private final Dmirror d = dev.open(p.mm());
    private final long a = p.mmapAligned(PageSize.PMD_SIZE, PageSize.PMD_SIZE, Mman.PROT_READ | Mman.PROT_WRITE,
            Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS, null, 0);

    PartlyMappedThpDeviceTest() {
        assertThat(p.write(a, PageSize.PMD_SIZE, Pattern.i32(0), a)).isZero();
    }

    private void punchHole() {
        assertThat(p.madvise(a + HOLE, P, Mman.MADV_DONTNEED)).isZero();
    }

    private boolean large(long addr) {
        return machine.physicalMemory().frames().isLarge(PageStates.frameAt(p.mm(), addr));
    }

    private static byte[] expected(int pages) {
        byte[] b = new byte[pages * P];
        Pattern.i32(0).fill(0, b, 0, b.length);
        java.util.Arrays.fill(b, (int) HOLE, (int) HOLE + P, (byte) 0);
        return b;
    }

    @Test
    void deviceReadOfAPartlyMappedThpFaultsOnlyTheHole() {
        punchHole();
        DmirrorCmd cmd = new DmirrorCmd(a, NR, new byte[NR * P]);
        assertThat(d.read(cmd)).isZero();
        assertThat(cmd.cpages).isEqualTo(NR);
        assertThat(cmd.ptr).isEqualTo(expected(NR));
        assertThat(p.pageState(a + HOLE)).isEqualTo(PageState.ZERO);
        assertThat(large(a)).as("the mapped pages keep their large folio").isTrue();
        assertThat(machine.checkInvariants()).isEmpty();
    }

    @Test
    void migrationToTheDeviceSplitsAPartlyMappedThp() {
        punchHole();
        assertThat(large(a + 8 * P)).isTrue();
        DmirrorCmd cmd = new DmirrorCmd(a, 8, new byte[8 * P]);
        assertThat(d.migrateToDev(cmd)).isZero();
        assertThat(p.pageState(a)).isEqualTo(PageState.DEVICE_PRIVATE);
        assertThat(large(a + 8 * P)).isFalse();
        byte[] back = new byte[8 * P];
        assertThat(p.read(a, back, 0, back.length)).isZero();
        assertThat(back).isEqualTo(expected(8));
        assertThat(machine.checkInvariants()).isEmpty();
    }

    /** Found by DeviceMemoryPropertyTest: the folio that replaces a partly mapped device THP is partly mapped too. */
    @Test
    void aPartlyMappedDeviceThpEvictedToRamIsQueuedForADeferredSplit() {
        assertThat(d.migrateToDev(new DmirrorCmd(a, NR, new byte[NR * P]))).isZero();
        assertThat(p.munmap(a, P)).isZero();
        assertThat(d.release(new DmirrorCmd(0, 1, null))).isZero();
        int head = machine.physicalMemory().frames().head(PageStates.frameAt(p.mm(), a + P));
        assertThat(large(a + P)).isTrue();
        assertThat(machine.physicalMemory().deferredSplit().contains(head)).isTrue();
        assertThat(machine.checkInvariants()).isEmpty();
    }
}
