package jhmm.dmamap;

import static org.assertj.core.api.Assertions.assertThat;

import jhmm.base.Pattern;
import jhmm.dma.DmaDevice;
import jhmm.dma.DmaSystem;
import jhmm.kernel.Machine;
import jhmm.kernel.MachineConfig;
import jhmm.kernel.UserProcess;
import jhmm.mm.Mman;
import jhmm.mm.ThpMode;
import org.junit.jupiter.api.Test;

/** The seed's helper done the GUP way and jhmm's core way, on the behaviours the review argues about. */
class RangeDmaMapperTest {
    private static final long M2 = 2L << 20;
    private static final int NR = 512;

    private final Machine machine = new Machine(MachineConfig.defaults().withRam(256L << 20).withThp(ThpMode.ALWAYS));
    private final UserProcess p = machine.createProcess("p");
    private final DmaDevice dev = new DmaSystem(machine.physicalMemory(), true).device("gpu", 64, true);

    private long thp() {
        long a = p.mmapAligned(M2, M2, Mman.PROT_READ | Mman.PROT_WRITE, Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS, null, 0);
        p.write(a, M2, Pattern.i32(0), a);
        return a;
    }

    @Test
    void theCoreMapsAThpAsOneIommuLeaf() {
        long a = thp();
        CoreRangeMapper core = new CoreRangeMapper(p.mm(), dev, CoreRangeMapper.Mode.MIRROR, null);
        assertThat(core.map(a, NR, true)).isZero();
        DmaMapStats s = core.stats();
        assertThat(s.mapped()).isEqualTo(NR);
        assertThat(s.dmaEntries()).isEqualTo(1);
        assertThat(s.iommuEntries()).isEqualTo(1);
        assertThat(s.pinned()).isZero();
        assertThat(core.deviceAccess()).isZero();
        core.unmap(false);
        assertThat(dev.liveMappings()).isZero();
        assertThat(machine.checkInvariants()).isEmpty();
    }

    @Test
    void gupKeepsPagesPinnedSoCompactionCannotMoveThem() {
        long a = thp();
        GupRangeMapper gup = new GupRangeMapper(p.mm(), dev);
        assertThat(gup.map(a, NR, true)).isZero();
        assertThat(gup.stats().pinned()).isEqualTo(NR);
        int before = frame(a);
        assertThat(machine.migrate(p, a, M2)).isNegative();
        assertThat(frame(a)).isEqualTo(before);
        assertThat(gup.deviceAccess()).isZero();
        gup.unmap(true);
        assertThat(gup.stats().pinned()).isZero();
        assertThat(machine.migrate(p, a, M2)).isZero();
        assertThat(machine.checkInvariants()).isEmpty();
    }

    @Test
    void theCoreInMirrorModeLetsMigrationMovePagesAndRefaultsThem() {
        long a = thp();
        CoreRangeMapper core = new CoreRangeMapper(p.mm(), dev, CoreRangeMapper.Mode.MIRROR, null);
        assertThat(core.map(a, NR, true)).isZero();
        int before = frame(a);
        assertThat(machine.migrate(p, a, M2)).isZero();
        assertThat(frame(a)).isNotEqualTo(before);
        assertThat(core.stats().invalidations()).isPositive();
        assertThat(core.stats().mapped()).isZero();
        assertThat(core.deviceAccess()).isZero();
        assertThat(core.stats().refaults()).isEqualTo(NR);
        core.unmap(false);
        assertThat(machine.checkInvariants()).isEmpty();
    }

    @Test
    void gupGoesStaleWhenTheProcessRemapsWhileTheMirrorFollows() {
        long a = thp();
        GupRangeMapper gup = new GupRangeMapper(p.mm(), dev);
        gup.map(a, NR, true);
        p.madvise(a, M2 / 4, Mman.MADV_DONTNEED);
        p.write(a, M2 / 4, Pattern.fillByte(1), a);
        assertThat(gup.deviceAccess()).isEqualTo(NR / 4);
        gup.unmap(false);

        CoreRangeMapper core = new CoreRangeMapper(p.mm(), dev, CoreRangeMapper.Mode.MIRROR, null);
        core.map(a, NR, true);
        p.madvise(a, M2 / 4, Mman.MADV_DONTNEED);
        p.write(a, M2 / 4, Pattern.fillByte(2), a);
        assertThat(core.deviceAccess()).isZero();
        core.unmap(false);
        assertThat(dev.violations()).isEmpty();
        assertThat(machine.checkInvariants()).isEmpty();
    }

    private int frame(long addr) {
        return (int) jhmm.mm.Pte.pfn(jhmm.mm.PageStates.entryAt(p.mm(), addr));
    }
}
