package jhmm.device.rnic;

import static jhmm.device.rnic.RnicFixture.P;
import static org.assertj.core.api.Assertions.assertThat;

import jhmm.base.Errno;
import jhmm.base.Pattern;
import jhmm.device.dmirror.Dmirror;
import jhmm.device.dmirror.DmirrorCmd;
import jhmm.device.dmirror.DmirrorDevice;
import jhmm.device.rnic.RnicStats.Counter;
import jhmm.kernel.UserProcess;
import org.junit.jupiter.api.Test;

/** ib_umem_get's pinned registration: RLIMIT_MEMLOCK, FOLL_LONGTERM pins, and what pins mean afterwards. */
class PinnedRegistrationTest {

    @Test
    void memlockOverTheLimitFailsRegistrationWithEnomemAndPinsNothing() {
        RnicFixture f = new RnicFixture(new RnicConfig(64 * P), true);
        long a = f.anon(128 * P, true);
        long refs = f.machine.physicalMemory().externalRefs();
        RnicOp first = f.ctx.register(MrType.PINNED, a, 64 * P, true);
        assertThat(first.errno()).isZero();
        assertThat(f.p.mm().pinnedVm()).isEqualTo(64);
        // pinned_vm counts per address space: one more page is over the limit, whatever region
        RnicOp over = f.ctx.register(MrType.PINNED, a + 64 * P, P, true);
        assertThat(over.errno()).isEqualTo(Errno.ENOMEM);
        assertThat(over.get(Counter.PINNED)).isZero();
        assertThat(f.p.mm().pinnedVm()).isEqualTo(64);
        assertThat(f.ctx.deregister(first.mr()).errno()).isZero();
        assertThat(f.p.mm().pinnedVm()).isZero();
        assertThat(f.machine.physicalMemory().externalRefs()).isEqualTo(refs);
        assertThat(f.nic.dma().liveMappings()).isZero();
        f.assertCoherent();
    }

    @Test
    void aZeroMemlockLimitRefusesPinnedRegistrationWithEperm() {
        RnicFixture f = new RnicFixture(new RnicConfig(0), true);
        long a = f.anon(4 * P, true);
        assertThat(f.ctx.register(MrType.PINNED, a, 4 * P, true).errno()).isEqualTo(Errno.EPERM);
        // ODP pins nothing and is not charged
        assertThat(f.ctx.register(MrType.ODP, a, 4 * P, true).errno()).isZero();
        f.assertCoherent();
    }

    @Test
    void aFailedPinInTheMiddleLeavesNothingPinnedOrCharged() {
        RnicFixture f = new RnicFixture();
        long a = f.anon(8 * P, true);
        assertThat(f.p.munmap(a + 4 * P, P)).isZero();
        long refs = f.machine.physicalMemory().externalRefs();
        assertThat(f.ctx.register(MrType.PINNED, a, 8 * P, true).errno()).isEqualTo(Errno.EFAULT);
        assertThat(f.p.mm().pinnedVm()).isZero();
        assertThat(f.machine.physicalMemory().externalRefs()).isEqualTo(refs);
        f.assertCoherent();
    }

    @Test
    void aPinnedRegionBlocksMigrationAndCompactionOfItsPages() {
        RnicFixture f = new RnicFixture();
        long a = f.anon(16 * P, true);
        MemoryRegion mr = f.register(MrType.PINNED, a, 16 * P);
        int before = f.frame(a);
        assertThat(f.machine.migrate(f.p, a, 16 * P)).isEqualTo(-Errno.EAGAIN);
        assertThat(f.frame(a)).isEqualTo(before);
        long blocked = f.machine.stats().compactBlocked.get();
        f.machine.compact();
        assertThat(f.frame(a)).isEqualTo(before);
        assertThat(f.machine.stats().compactBlocked.get()).isGreaterThan(blocked);
        f.assertCoherent();
        f.ctx.deregister(mr);
        assertThat(f.machine.migrate(f.p, a, 16 * P)).isZero();
        assertThat(f.frame(a)).isNotEqualTo(before);
        f.assertCoherent();
    }

    @Test
    void aLongTermPinMovesDeviceCoherentPagesToRamFirst() {
        RnicFixture f = new RnicFixture();
        long a = f.anon(4 * P, true);
        DmirrorDevice dev = new DmirrorDevice("d", DmirrorDevice.MemoryType.COHERENT, f.machine.memory(), 2L << 20);
        Dmirror mirror = dev.open(f.p.mm());
        assertThat(mirror.migrateToDev(new DmirrorCmd(a, 4, new byte[(int) (4 * P)]))).isZero();
        assertThat(f.machine.physicalMemory().pgmap(f.frame(a))).as("in device-coherent memory").isNotNull();
        f.register(MrType.PINNED, a, 4 * P);
        for (int i = 0; i < 4; i++) {
            assertThat(f.machine.physicalMemory().pgmap(f.frame(a + i * P))).as("page %d in RAM", i).isNull();
        }
        assertThat(f.holds(f.p, a, (int) (4 * P), Pattern.i32(0), a)).isTrue();
        f.assertCoherent();
    }

    @Test
    void forkAfterRegistrationGivesTheChildCopiesOfPinnedAnonPagesAndTheNicKeepsTheParents() {
        RnicFixture f = new RnicFixture();
        long a = f.anon(4 * P, true);
        MemoryRegion mr = f.register(MrType.PINNED, a, 4 * P);
        int parentFrame = f.frame(a);
        long copies = f.machine.stats().forkPinnedCopies.get();
        UserProcess child = f.p.fork("c");
        assertThat(f.machine.stats().forkPinnedCopies.get() - copies).isEqualTo(4);
        assertThat(f.frame(a)).as("the parent keeps the pinned page").isEqualTo(parentFrame);
        RnicOp w = f.ctx.rdmaWrite(mr, a, 4 * P, Pattern.fillByte(7), a);
        assertThat(w.errno()).isZero();
        assertThat(w.get(Counter.STALE)).isZero();
        assertThat(f.holds(f.p, a, (int) (4 * P), Pattern.fillByte(7), a)).as("the parent sees the NIC's write").isTrue();
        assertThat(f.holds(child, a, (int) (4 * P), Pattern.i32(0), a)).as("the child keeps its copy").isTrue();
        f.assertCoherent();
    }

    @Test
    void aPinnedRegionKeepsReachingThePagesAProcessUnmappedAndCountsThemStale() {
        RnicFixture f = new RnicFixture();
        long a = f.anon(4 * P, true);
        MemoryRegion mr = f.register(MrType.PINNED, a, 4 * P);
        assertThat(f.p.munmap(a, 4 * P)).isZero();
        long again = f.p.mmap(a, 4 * P, RnicFixture.RW, jhmm.mm.Mman.MAP_PRIVATE | jhmm.mm.Mman.MAP_ANONYMOUS | jhmm.mm.Mman.MAP_FIXED, null, 0);
        assertThat(again).isEqualTo(a);
        RnicOp w = f.ctx.rdmaWrite(mr, a, 4 * P, Pattern.fillByte(9), a);
        assertThat(w.errno()).isZero();
        assertThat(w.get(Counter.STALE)).isEqualTo(4);
        assertThat(w.get(Counter.FAULTS)).isZero();
        assertThat(f.holds(f.p, a, (int) (4 * P), Pattern.ZERO, a)).as("the process sees none of it").isTrue();
        byte[] back = new byte[(int) (4 * P)];
        assertThat(f.ctx.rdmaRead(mr, a, 4 * P, back).errno()).isZero();
        assertThat(back[0]).isEqualTo((byte) 9);
        f.assertCoherent();
        long refs = f.machine.physicalMemory().externalRefs();
        f.ctx.deregister(mr);
        assertThat(f.machine.physicalMemory().externalRefs()).isEqualTo(refs - 4 * jhmm.phys.PhysicalMemory.GUP_PIN_COUNTING_BIAS);
        f.assertCoherent();
    }

    @Test
    void closingTheContextAtProcessExitReleasesPinsDmaMappingsAndPinnedVm() {
        RnicFixture f = new RnicFixture(RnicConfig.defaults(), false);
        long a = f.anon(8 * P, true);
        long refs = f.machine.physicalMemory().externalRefs();
        f.register(MrType.PINNED, a, 8 * P);
        f.register(MrType.ODP, a, 8 * P);
        f.p.exit();
        f.ctx.close();
        assertThat(f.p.mm().pinnedVm()).isZero();
        assertThat(f.nic.dma().liveMappings()).isZero();
        assertThat(f.machine.physicalMemory().externalRefs()).isEqualTo(refs);
        f.assertCoherent();
    }
}
