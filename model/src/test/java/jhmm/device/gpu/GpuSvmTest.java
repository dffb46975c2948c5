package jhmm.device.gpu;

import static jhmm.device.gpu.GpuFixture.M2;
import static jhmm.device.gpu.GpuFixture.P;
import static jhmm.device.gpu.GpuFixture.count;
import static org.assertj.core.api.Assertions.assertThat;

import jhmm.base.Errno;
import jhmm.base.Pattern;
import jhmm.device.gpu.GpuStats.Counter;
import jhmm.mm.PageState;
import jhmm.mm.ThpMode;
import org.junit.jupiter.api.Test;

/** The drm_gpusvm core: ranges, notifiers, get_pages, bind and the invalidation callback. */
class GpuSvmTest {
    @Test
    void aFaultMakesTheLargestAlignedChunkInsideTheVma() {
        GpuFixture t = new GpuFixture();
        long a = t.anon(4 * M2, true);
        GpuVm vm = t.gpu("g", GpuFixture.sysOnly()).open(t.p.mm());
        assertThat(vm.access(a, P, GpuAccess.READ, 1)).isZero();
        assertThat(vm.svm.rangeSpan(a)).containsExactly(a, a + M2);
        assertThat(count(vm, Counter.RANGES)).isEqualTo(1);
        // 4K pages: one DMA mapping per CPU page
        assertThat(count(vm, Counter.DMA_MAPS)).isEqualTo(512);
        t.assertCoherent();
    }

    @Test
    void aVmaSmallerThan2MGets64KOr4KRanges() {
        GpuFixture t = new GpuFixture();
        long a = t.anon(M2, true);
        assertThat(t.p.munmap(a + 64 * 1024 + P, M2 - 64 * 1024 - P)).isZero(); // VMA is now 64K + 4K
        GpuVm vm = t.gpu("g", GpuFixture.sysOnly()).open(t.p.mm());
        assertThat(vm.access(a, 64 * 1024 + P, GpuAccess.READ, 1)).isZero();
        assertThat(vm.svm.rangeSpan(a)).containsExactly(a, a + 64 * 1024);
        assertThat(vm.svm.rangeSpan(a + 64 * 1024)).containsExactly(a + 64 * 1024, a + 64 * 1024 + P);
        assertThat(count(vm, Counter.RANGES)).isEqualTo(2);
        t.assertCoherent();
    }

    @Test
    void aThpIsOneDmaMappingAndOne2MGpuEntry() {
        GpuFixture t = new GpuFixture(ThpMode.ALWAYS);
        long a = t.anon(M2, true);
        assertThat(t.p.pageState(a)).isEqualTo(PageState.HUGE_PMD);
        GpuVm vm = t.gpu("g", GpuFixture.sysOnly()).open(t.p.mm());
        assertThat(vm.access(a, M2, GpuAccess.WRITE, 4)).isZero();
        assertThat(count(vm, Counter.DMA_MAPS)).isEqualTo(1);
        assertThat(count(vm, Counter.PTES_2M)).isEqualTo(1);
        t.assertCoherent();
    }

    @Test
    void munmapOfHalfARangeDestroysTheWholeRangeAndItsNotifier() {
        GpuFixture t = new GpuFixture();
        long a = t.anon(M2, true);
        GpuVm vm = t.gpu("g", GpuFixture.sysOnly()).open(t.p.mm());
        assertThat(vm.access(a, M2, GpuAccess.READ, 1)).isZero();
        assertThat(t.p.munmap(a, M2 / 2)).isZero();
        t.assertCoherent(); // the callback zapped and DMA-unmapped the whole range
        assertThat(t.machine.physicalMemory().nrFrames()).isPositive();
        assertThat(vm.svm.dmaMappingsHeld()).isZero();
        assertThat(vm.access(a + M2 / 2, P, GpuAccess.READ, 1)).isZero();
        assertThat(count(vm, Counter.COLLECTED)).isEqualTo(1);
        // the new range fits the half that is left: 64K chunks
        assertThat(vm.svm.rangeSpan(a + M2 / 2)).containsExactly(a + M2 / 2, a + M2 / 2 + 64 * 1024);
        t.assertCoherent();
    }

    /** drm_gpusvm: a window's notifier comes with its first range and goes with its last. */
    @Test
    void aNotifierPerWindowLivesAsLongAsItsRanges() {
        GpuFixture t = new GpuFixture();
        long a = t.anon(2 * M2, true);
        GpuConfig d = GpuFixture.sysOnly();
        GpuConfig twoMegWindows = new GpuConfig(0, d.chunks(), M2, d.batch(), d.bufferEntries(), d.replay(), false,
                d.prefetchThreshold(), d.migrateOnFault(), d.evict(), d.thrashing(), d.thrashThreshold(), d.pinThreshold());
        GpuVm vm = t.gpu("g", twoMegWindows).open(t.p.mm());
        assertThat(vm.svm.notifierCount()).isZero();
        assertThat(vm.access(a, 2 * M2, GpuAccess.READ, 1)).isZero();
        assertThat(vm.svm.notifierCount()).isEqualTo(2);
        assertThat(t.p.munmap(a, M2)).isZero();
        // the collector runs at the next fault (a prefetch faults too): the emptied window's
        // notifier goes with its range
        assertThat(vm.prefetch(a + M2, P)).isZero();
        assertThat(vm.svm.notifierCount()).isEqualTo(1);
        t.assertCoherent();
    }

    @Test
    void cpuWriteAfterForkInvalidatesAndTheGpuRefaults() {
        GpuFixture t = new GpuFixture();
        long a = t.anon(M2, true);
        GpuVm vm = t.gpu("g", GpuFixture.sysOnly()).open(t.p.mm());
        assertThat(vm.access(a, M2, GpuAccess.READ, 1)).isZero();
        t.p.fork("c");
        t.assertCoherent(); // fork write-protects: the GPU's writable entries went
        assertThat(vm.access(a, M2, GpuAccess.WRITE, 1)).isZero();
        assertThat(count(vm, Counter.INVALIDATIONS)).isPositive();
        t.assertCoherent();
    }

    @Test
    void aWriteToAReadOnlyMappingIsAFatalFault() {
        GpuFixture t = new GpuFixture();
        long a = t.anon(M2, true);
        assertThat(t.p.mprotect(a, M2, jhmm.mm.Mman.PROT_READ)).isZero();
        GpuVm vm = t.gpu("g", GpuFixture.sysOnly()).open(t.p.mm());
        assertThat(vm.access(a, P, GpuAccess.WRITE, 1)).isEqualTo(-Errno.EPERM);
        assertThat(vm.access(a, P, GpuAccess.READ, 1)).isZero();
        t.assertCoherent();
    }

    @Test
    void dataTheCpuWroteIsWhatTheGpuMapsInVram() {
        GpuFixture t = new GpuFixture();
        long a = t.anon(M2, true);
        GpuDevice g = t.gpu("g", GpuConfig.of(GpuPolicy.NVIDIA));
        GpuVm vm = g.open(t.p.mm());
        assertThat(vm.access(a, M2, GpuAccess.READ, 1)).isZero();
        assertThat(count(vm, Counter.TO_VRAM)).isEqualTo(512);
        assertThat(t.p.pageState(a)).isEqualTo(PageState.DEVICE_PRIVATE);
        assertThat(count(vm, Counter.DMA_MAPS)).isZero();
        assertThat(count(vm, Counter.PTES_2M)).isEqualTo(1);
        t.assertCoherent();
        // the CPU touches it: migrate_to_ram brings the range back, data intact
        byte[] buf = new byte[4];
        assertThat(t.p.read(a + 5 * P, buf, 0, 4)).isZero();
        assertThat(t.p.pageState(a)).isNotEqualTo(PageState.DEVICE_PRIVATE);
        assertThat(Pattern.i32(0).byteAt(5 * P)).isEqualTo(buf[0]);
        assertThat(count(vm, Counter.TO_RAM)).isEqualTo(512);
        t.assertCoherent();
    }

    @Test
    void fullVramEvictsTheOldestChunk() {
        GpuFixture t = new GpuFixture();
        long a = t.anon(3 * M2, true);
        GpuDevice g = t.gpu("g", GpuConfig.of(GpuPolicy.NVIDIA).withVram(2 * M2));
        GpuVm vm = g.open(t.p.mm());
        assertThat(vm.access(a, 3 * M2, GpuAccess.READ, 1)).isZero();
        assertThat(count(vm, Counter.EVICTIONS)).isEqualTo(1);
        assertThat(t.p.pageState(a)).isNotEqualTo(PageState.DEVICE_PRIVATE); // the first block went back
        assertThat(t.p.pageState(a + 2 * M2)).isEqualTo(PageState.DEVICE_PRIVATE);
        t.assertCoherent();
    }

    /** The changed-block feed a timing layer keeps its view with: a bind and the invalidation's zap each show up once. */
    @Test
    void changedBlocksReportWhatTheGpuMapsNowAndOnlyOnce() {
        GpuFixture t = new GpuFixture();
        long a = t.anon(2 * M2, true);
        GpuVm vm = t.gpu("g", GpuFixture.sysOnly()).open(t.p.mm());
        assertThat(vm.access(a + M2, 64 * 1024, GpuAccess.WRITE, 1)).isZero();
        java.util.List<String> seen = new java.util.ArrayList<>();
        GpuVm.BlockView record = (vpn, mapped, vram, writable) -> seen.add(Long.toHexString(vpn << 12) + " "
                + java.util.Arrays.stream(mapped).map(Long::bitCount).sum() + " " + java.util.Arrays.stream(vram).map(Long::bitCount).sum()
                + " " + java.util.Arrays.stream(writable).map(Long::bitCount).sum());
        vm.drainChangedBlocks(record);
        // the 2M range of the fault was bound whole: 512 pages in RAM, writable
        assertThat(seen).containsExactly(Long.toHexString(a + M2) + " 512 0 512");
        seen.clear();
        vm.drainChangedBlocks(record);
        assertThat(seen).isEmpty();
        assertThat(t.p.munmap(a + M2, P)).isZero();
        vm.drainChangedBlocks(record);
        assertThat(seen).containsExactly(Long.toHexString(a + M2) + " 0 0 0");
    }
}
