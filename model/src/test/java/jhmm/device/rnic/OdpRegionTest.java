package jhmm.device.rnic;

import static jhmm.device.rnic.RnicFixture.P;
import static org.assertj.core.api.Assertions.assertThat;

import jhmm.base.Errno;
import jhmm.base.Pattern;
import jhmm.device.rnic.RnicStats.Counter;
import jhmm.kernel.UserProcess;
import jhmm.mm.Mman;
import org.junit.jupiter.api.Test;

/** ib_umem_odp with mlx5's fault path: nothing pinned, faults on demand, and the notifier keeping the NIC's table true. */
class OdpRegionTest {

    @Test
    void anOdpRegionNeverPinsNorChargesPinnedVm() {
        RnicFixture f = new RnicFixture();
        long a = f.anon(16 * P, true);
        long refs = f.machine.physicalMemory().externalRefs();
        MemoryRegion mr = f.register(MrType.ODP, a, 16 * P);
        assertThat(f.ctx.rdmaWrite(mr, a, 16 * P, Pattern.fillByte(1), a).errno()).isZero();
        assertThat(f.machine.physicalMemory().externalRefs()).isEqualTo(refs);
        assertThat(f.p.mm().pinnedVm()).isZero();
        // and so migration moves its pages
        int before = f.frame(a);
        assertThat(f.machine.migrate(f.p, a, 16 * P)).isZero();
        assertThat(f.frame(a)).isNotEqualTo(before);
        f.assertCoherent();
    }

    @Test
    void theFirstTouchFaultsTheRestOfTheOperationInOnceAndTheNextFindsItMapped() {
        RnicFixture f = new RnicFixture();
        long a = f.anon(8 * P, false);
        MemoryRegion mr = f.register(MrType.ODP, a, 8 * P);
        RnicOp first = f.ctx.rdmaWrite(mr, a + P, 6 * P, Pattern.i32(0), a);
        assertThat(first.errno()).isZero();
        assertThat(first.get(Counter.FAULTS)).isEqualTo(1);
        assertThat(first.get(Counter.RETRIES)).isEqualTo(1);
        assertThat(first.get(Counter.MAPPED)).isEqualTo(6);
        assertThat(first.get(Counter.DMA_MAPS)).isEqualTo(6);
        assertThat(first.get(Counter.PAGES)).isEqualTo(6);
        RnicOp again = f.ctx.rdmaRead(mr, a + P, 6 * P, null);
        assertThat(again.get(Counter.FAULTS)).isZero();
        assertThat(f.holds(f.p, a + P, (int) (6 * P), Pattern.i32(0), a)).isTrue();
        f.assertCoherent();
    }

    @Test
    void registrationMapsWhatTheCpuAlreadyMapsWithoutFaulting() {
        RnicFixture f = new RnicFixture();
        long a = f.anon(8 * P, false);
        assertThat(f.p.write(a, 3 * P, Pattern.i32(0), a)).isZero();
        RnicOp reg = f.ctx.register(MrType.ODP, a, 8 * P, true);
        assertThat(reg.get(Counter.MAPPED)).isEqualTo(3);
        assertThat(reg.get(Counter.FAULTS)).isZero();
        assertThat(f.ctx.rdmaRead(reg.mr(), a, 3 * P, null).get(Counter.FAULTS)).isZero();
        assertThat(f.ctx.rdmaRead(reg.mr(), a, 4 * P, null).get(Counter.FAULTS)).isEqualTo(1);
        f.assertCoherent();
    }

    @Test
    void anOdpRegionFollowsMunmapAndReFaultsWhatIsMappedThereNext() {
        RnicFixture f = new RnicFixture();
        long a = f.anon(4 * P, true);
        MemoryRegion mr = f.register(MrType.ODP, a, 4 * P);
        RnicOp unmapped;
        assertThat(f.p.munmap(a, 4 * P)).isZero();
        assertThat(f.ctx.stats().get(Counter.ZAPPED)).isEqualTo(4);
        unmapped = f.ctx.rdmaRead(mr, a, P, null);
        assertThat(unmapped.errno()).isEqualTo(Errno.EFAULT);
        f.assertCoherent();
        long again = f.p.mmap(a, 4 * P, RnicFixture.RW, Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS | Mman.MAP_FIXED, null, 0);
        assertThat(again).isEqualTo(a);
        RnicOp w = f.ctx.rdmaWrite(mr, a, 4 * P, Pattern.fillByte(3), a);
        assertThat(w.get(Counter.FAULTS)).isEqualTo(1);
        assertThat(w.get(Counter.STALE)).isZero();
        assertThat(f.holds(f.p, a, (int) (4 * P), Pattern.fillByte(3), a)).as("the process sees the write").isTrue();
        f.assertCoherent();
    }

    @Test
    void anOdpRegionFollowsMremapTheMovedPagesLeaveItsAddresses() {
        RnicFixture f = new RnicFixture();
        long a = f.anon(4 * P, true);
        MemoryRegion mr = f.register(MrType.ODP, a, 4 * P);
        long moved = f.p.mremap(a, 4 * P, 4 * P, Mman.MREMAP_MAYMOVE | Mman.MREMAP_FIXED, a + (64 * P));
        assertThat(moved).isEqualTo(a + 64 * P);
        assertThat(f.ctx.stats().get(Counter.ZAPPED)).isEqualTo(4);
        assertThat(f.ctx.rdmaRead(mr, a, P, null).errno()).as("nothing is mapped at the region's addresses").isEqualTo(Errno.EFAULT);
        f.assertCoherent();
    }

    @Test
    void anOdpRegionFollowsMigrationAndReFaultsTheNewFrames() {
        RnicFixture f = new RnicFixture();
        long a = f.anon(4 * P, true);
        MemoryRegion mr = f.register(MrType.ODP, a, 4 * P);
        assertThat(f.machine.migrate(f.p, a, 4 * P)).isZero();
        f.assertCoherent();
        RnicOp w = f.ctx.rdmaWrite(mr, a, 4 * P, Pattern.fillByte(5), a);
        assertThat(w.get(Counter.FAULTS)).isEqualTo(1);
        assertThat(w.get(Counter.MAPPED)).isEqualTo(4);
        assertThat(f.holds(f.p, a, (int) (4 * P), Pattern.fillByte(5), a)).isTrue();
        f.assertCoherent();
    }

    @Test
    void afterForkAnOdpFaultOfAWritableRegionBreaksCowInTheParent() {
        RnicFixture f = new RnicFixture();
        long a = f.anon(4 * P, true);
        MemoryRegion mr = f.register(MrType.ODP, a, 4 * P);
        UserProcess child = f.p.fork("c");
        f.assertCoherent();
        // mlx5 asks hmm_range_fault for write access on every fault of a writable region, even for a READ
        RnicOp r = f.ctx.rdmaRead(mr, a, 4 * P, null);
        assertThat(r.get(Counter.FAULTS)).isEqualTo(1);
        assertThat(f.p.pageState(a).word()).isEqualTo("present-rw");
        assertThat(child.pageState(a).word()).isEqualTo("present-ro");
        assertThat(f.ctx.rdmaWrite(mr, a, 4 * P, Pattern.fillByte(8), a).get(Counter.FAULTS)).isZero();
        assertThat(f.holds(child, a, (int) (4 * P), Pattern.i32(0), a)).isTrue();
        f.assertCoherent();
    }

    @Test
    void aWritableOdpRegionOverAReadOnlyMappingFailsItsFaultsWithEperm() {
        RnicFixture f = new RnicFixture();
        long a = f.anon(2 * P, false);
        assertThat(f.p.mprotect(a, 2 * P, Mman.PROT_READ)).isZero();
        MemoryRegion mr = f.register(MrType.ODP, a, 2 * P);
        // even a READ asks for write access on a writable region
        assertThat(f.ctx.rdmaRead(mr, a, P, null).errno()).isEqualTo(Errno.EPERM);
        f.assertCoherent();
    }

    @Test
    void prefetchMapsAheadReadOnlyForPrefetchWritableForPrefetchWriteAndOnlyWhatIsMappedForNoFault() {
        RnicFixture f = new RnicFixture();
        long a = f.anon(8 * P, false);
        MemoryRegion mr = f.register(MrType.ODP, a, 8 * P);
        RnicOp none = f.ctx.advise(mr, a, 8 * P, Advice.PREFETCH_NO_FAULT);
        assertThat(none.get(Counter.PREFETCHED)).isZero();
        RnicOp read = f.ctx.advise(mr, a, 4 * P, Advice.PREFETCH);
        assertThat(read.get(Counter.PREFETCHED)).isEqualTo(4);
        assertThat(f.ctx.rdmaRead(mr, a, 4 * P, null).get(Counter.FAULTS)).isZero();
        assertThat(f.ctx.rdmaWrite(mr, a, 4 * P, Pattern.fillByte(1), a).get(Counter.FAULTS)).as("mapped read-only").isEqualTo(1);
        RnicOp write = f.ctx.advise(mr, a + 4 * P, 4 * P, Advice.PREFETCH_WRITE);
        assertThat(write.get(Counter.PREFETCHED)).isEqualTo(4);
        assertThat(f.ctx.rdmaWrite(mr, a + 4 * P, 4 * P, Pattern.fillByte(1), a).get(Counter.FAULTS)).isZero();
        f.assertCoherent();
    }

    @Test
    void prefetchOfAPinnedRegionIsEnoent() {
        RnicFixture f = new RnicFixture();
        long a = f.anon(P, true);
        MemoryRegion mr = f.register(MrType.PINNED, a, P);
        assertThat(f.ctx.advise(mr, a, P, Advice.PREFETCH).errno()).isEqualTo(Errno.ENOENT);
    }

    @Test
    void theInvalidationZapsRunsOfValidEntriesEndingARunOnlyAtAnEightEntryBoundary() {
        RnicFixture f = new RnicFixture();
        long a = f.anon(32 * P, false);
        MemoryRegion mr = f.register(MrType.ODP, a, 32 * P);
        // valid 0-2 and 5-6: one run (the gap at 3-4 is inside the first 8-entry unit);
        // valid 16-17: a run of its own (the gap ends the first at entry 8)
        for (long page : new long[] {0, 1, 2, 5, 6, 16, 17}) {
            assertThat(f.ctx.rdmaWrite(mr, a + page * P, P, Pattern.fillByte(1), a).errno()).isZero();
        }
        long umrs = f.ctx.stats().get(Counter.UMRS);
        long zapped = f.ctx.stats().get(Counter.ZAPPED);
        assertThat(f.p.madvise(a, 32 * P, Mman.MADV_DONTNEED)).isZero();
        assertThat(f.ctx.stats().get(Counter.UMRS) - umrs).isEqualTo(2);
        assertThat(f.ctx.stats().get(Counter.ZAPPED) - zapped).isEqualTo(7);
        f.assertCoherent();
    }

    @Test
    void deregistrationUnmapsEveryPageAndRemovesTheNotifier() {
        RnicFixture f = new RnicFixture(RnicConfig.defaults(), false);
        long a = f.anon(8 * P, true);
        MemoryRegion mr = f.register(MrType.ODP, a, 8 * P);
        assertThat(f.nic.dma().liveMappings()).isEqualTo(8);
        RnicOp d = f.ctx.deregister(mr);
        assertThat(d.get(Counter.DMA_UNMAPS)).isEqualTo(8);
        assertThat(f.nic.dma().liveMappings()).isZero();
        long zapped = f.ctx.stats().get(Counter.ZAPPED);
        assertThat(f.p.munmap(a, 8 * P)).isZero();
        assertThat(f.ctx.stats().get(Counter.ZAPPED)).as("no callback after deregistration").isEqualTo(zapped);
        assertThat(f.ctx.rdmaRead(mr, a, P, null).errno()).isEqualTo(Errno.EINVAL);
        f.assertCoherent();
    }
}
