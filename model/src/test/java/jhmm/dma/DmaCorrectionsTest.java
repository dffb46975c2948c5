package jhmm.dma;

import static org.assertj.core.api.Assertions.assertThat;

import jhmm.base.PageSize;
import jhmm.base.Pattern;
import jhmm.phys.PhysicalMemory;
import org.junit.jupiter.api.Test;

/**
 * dma_map_sg's segment merging, swiotlb's fill on map and its largest mapping, the IOVA
 * allocator's rounding and caching, and dma_iova_sync (gup-migrate-dma.md, Corrections 15-19).
 */
class DmaCorrectionsTest {
    private static final long P = PageSize.PAGE_SIZE;
    private final PhysicalMemory phys = new PhysicalMemory(256L << 20, 0, 0);

    /** Three entries of one page each, none contiguous with the next. */
    private ScatterList threeEntries() {
        int a = phys.allocFolio(0);
        phys.allocFolio(0);
        int b = phys.allocFolio(0);
        phys.allocFolio(0);
        int c = phys.allocFolio(0);
        ScatterList sg = ScatterList.fromPages(new int[] {a, b, c}, 3);
        assertThat(sg.entries()).hasSize(3);
        return sg;
    }

    @Test
    void iommuMapSgNeverSplitsAnEntryLargerThanMaxSegSize() {
        DmaDevice dev = new DmaSystem(phys, true).device("nic", 64, true);
        dev.setMaxSegmentSize(P);
        int run = phys.allocFolio(2);
        ScatterList sg = ScatterList.fromPages(new int[] {run, run + 1, run + 2, run + 3}, 4);
        assertThat(sg.entries()).hasSize(1);
        assertThat(dev.mapSg(sg, DmaDirection.TO_DEVICE)).as("never more segments than entries").isEqualTo(1);
        assertThat(sg.segments().get(0).length()).isEqualTo(4 * P);
        dev.unmapSg(sg, DmaDirection.TO_DEVICE);
        assertThat(dev.violations()).isEmpty();
    }

    @Test
    void iommuMapSgConcatenatesNeighboursOnlyWithinMaxSegSize() {
        DmaDevice dev = new DmaSystem(phys, true).device("nic", 64, true);
        dev.setMaxSegmentSize(2 * P);
        ScatterList sg = threeEntries();
        assertThat(dev.mapSg(sg, DmaDirection.TO_DEVICE)).isEqualTo(2);
        assertThat(sg.segments().get(0).length()).isEqualTo(2 * P);
        assertThat(sg.segments().get(1).length()).isEqualTo(P);
        assertThat(sg.segments().get(1).dmaAddress()).isEqualTo(sg.segments().get(0).dmaAddress() + 2 * P);
        dev.unmapSg(sg, DmaDirection.TO_DEVICE);
    }

    @Test
    void iommuMapSgDoesNotJoinAcrossSegmentBoundary() {
        DmaDevice dev = new DmaSystem(phys, true).device("nic", 64, true);
        dev.setMaxSegmentSize(1L << 30);
        dev.setSegmentBoundary(P - 1); // every page starts a new boundary window
        ScatterList sg = threeEntries();
        assertThat(dev.mapSg(sg, DmaDirection.TO_DEVICE)).isEqualTo(3);
        dev.unmapSg(sg, DmaDirection.TO_DEVICE);
    }

    @Test
    void directMapSgNeverMergesContiguousEntries() {
        DmaDevice dev = new DmaSystem(phys, false).device("direct", 64, true);
        int run = phys.allocFolio(1);
        ScatterList one = ScatterList.fromPages(new int[] {run, run + 1}, 2);
        assertThat(dev.mapSg(one, DmaDirection.TO_DEVICE)).isEqualTo(1);
        assertThat(one.segments().get(0).length()).isEqualTo(2 * P);
        dev.unmapSg(one, DmaDirection.TO_DEVICE);
        ScatterList sg = threeEntries();
        assertThat(dev.mapSg(sg, DmaDirection.TO_DEVICE)).as("returns nents").isEqualTo(3);
        dev.unmapSg(sg, DmaDirection.TO_DEVICE);
    }

    @Test
    void swiotlbFillsBounceSlotFromOriginalForFromDevice() {
        PhysicalMemory small = new PhysicalMemory(64L << 20, 0, 0);
        DmaDevice dev = new DmaSystem(small, false).device("isa", 24, true);
        int high = small.allocFolioAt(small.nrFrames() - 2, 0);
        int other = small.allocFolioAt(small.nrFrames() - 4, 0);
        small.data().writePattern(other, 0, (int) P, Pattern.fillByte(0x5a), 0);
        small.data().writePattern(high, 0, (int) P, Pattern.i32(7), 0);

        long first = dev.mapPage(other, 0, P, DmaDirection.TO_DEVICE); // leaves 0x5a in the pool slot
        dev.unmapPage(first, P, DmaDirection.TO_DEVICE);
        long addr = dev.mapPage(high, 0, P, DmaDirection.FROM_DEVICE);
        assertThat(addr).as("the same slot again").isEqualTo(first);
        int slot = (int) (addr >>> PageSize.PAGE_SHIFT);
        small.data().writePattern(slot, 0, 16, Pattern.fillByte(9), 0); // the device writes only 16 bytes
        dev.unmapPage(addr, P, DmaDirection.FROM_DEVICE);
        assertThat(small.data().matches(high, 0, 16, Pattern.fillByte(9), 0)).isTrue();
        assertThat(small.data().matches(high, 16, (int) P - 16, Pattern.i32(7), 0))
                .as("the rest is the original, not stale pool bytes").isTrue();
    }

    @Test
    void swiotlbLargestMappingIs256KiBLessMinAlign() {
        PhysicalMemory small = new PhysicalMemory(64L << 20, 0, 0);
        DmaDevice dev = new DmaSystem(small, false).device("isa", 24, true);
        assertThat(dev.swiotlbMaxMappingSize()).isEqualTo(256L << 10);
        int high = small.allocFolioAt(small.nrFrames() - 128, 7);
        long addr = dev.mapPage(high, 100, 256L << 10, DmaDirection.TO_DEVICE);
        assertThat(addr).as("256 KiB bounces even when it starts inside a page").isNotEqualTo(DmaDevice.MAPPING_ERROR);
        dev.unmapPage(addr, 256L << 10, DmaDirection.TO_DEVICE);
        assertThat(dev.mapPage(high, 0, (256L << 10) + 1, DmaDirection.TO_DEVICE)).isEqualTo(DmaDevice.MAPPING_ERROR);

        dev.setMinAlignMask(P - 1);
        assertThat(dev.swiotlbMaxMappingSize()).isEqualTo((256L << 10) - P);
        assertThat(dev.mapPage(high, 0, 256L << 10, DmaDirection.TO_DEVICE)).isEqualTo(DmaDevice.MAPPING_ERROR);
        assertThat(dev.liveMappings()).isZero();
    }

    @Test
    void iovaAllocatorRoundsOnlySizesUnder32GranulesToPowerOfTwo() {
        assertThat(IovaAllocator.allocSize(3 * P)).isEqualTo(4 * P);
        assertThat(IovaAllocator.allocSize(31 * P)).isEqualTo(32 * P);
        assertThat(IovaAllocator.allocSize(33 * P)).as("not rounded").isEqualTo(33 * P);
        assertThat(IovaAllocator.allocSize(100 * P)).isEqualTo(100 * P);
    }

    @Test
    void iovaAllocationsAreSizeAligned() {
        IovaAllocator iovas = new IovaAllocator();
        long first = iovas.alloc(33 * P);
        assertThat(iovas.alloc(P)).as("33 granules were taken, not 64").isEqualTo(first + 33 * P);
        long second = iovas.alloc(33 * P);
        assertThat(second % (64 * P)).as("aligned to the size rounded up to a power of two").isZero();
        assertThat(second).isEqualTo(first + 64 * P);
    }

    @Test
    void iovaCacheKeepsOnlySizesUpTo32Granules() {
        IovaAllocator iovas = new IovaAllocator();
        long small = iovas.alloc(32 * P);
        iovas.free(small, 32 * P);
        assertThat(iovas.alloc(32 * P)).as("from the rcache").isEqualTo(small);

        IovaAllocator fresh = new IovaAllocator();
        long large = fresh.alloc(64 * P);
        fresh.free(large, 64 * P);
        assertThat(fresh.alloc(16 * P)).as("a freed large range went back to the free space, any size may use it")
                .isEqualTo(large);
    }

    @Test
    void dmaIovaSyncIsNoIotlbInvalidation() {
        DmaDevice dev = new DmaSystem(phys, true).device("gpu", 64, true);
        DmaIovaState state = new DmaIovaState();
        assertThat(dev.iovaTryAlloc(state, 2 * P)).isTrue();
        int pfn = phys.allocFolio(0);
        assertThat(dev.iovaLink(state, pfn, 0, P, DmaDirection.BIDIRECTIONAL)).isZero();
        dev.iovaSync(state);
        assertThat(dev.mapSyncs()).isEqualTo(1);
        assertThat(dev.iotlbFlushes()).as("publishing new mappings invalidates nothing").isZero();
        dev.iovaUnlink(state, 0, P, DmaDirection.BIDIRECTIONAL);
        assertThat(dev.iotlbFlushes()).as("unlink invalidates").isEqualTo(1);
        dev.iovaDestroy(state);
        assertThat(dev.violations()).isEmpty();
    }
}
