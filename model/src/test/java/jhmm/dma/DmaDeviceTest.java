package jhmm.dma;

import static org.assertj.core.api.Assertions.assertThat;

import jhmm.base.Pattern;
import jhmm.phys.PhysicalMemory;
import org.junit.jupiter.api.Test;

/** The DMA API over an IOMMU and over direct mapping (kernel/dma, drivers/iommu). */
class DmaDeviceTest {
    private final PhysicalMemory phys = new PhysicalMemory(256L << 20, 0, 0);

    @Test
    void aTwoMegabyteContiguousRangeBecomesOneIommuLeafWhenTheIovaIsAligned() {
        DmaDevice dev = new DmaSystem(phys, true).device("gpu", 64, true);
        int thp = phys.allocFolio(9);
        long addr = dev.mapPage(thp, 0, 2L << 20, DmaDirection.BIDIRECTIONAL);
        assertThat(addr).isNotEqualTo(DmaDevice.MAPPING_ERROR);
        assertThat(addr % (2L << 20)).isZero();
        assertThat(dev.iommuLeaves()).isEqualTo(1);
        assertThat(dev.translate(addr + 4096 * 5)).isEqualTo(thp + 5);
        dev.unmapPage(addr, 2L << 20, DmaDirection.BIDIRECTIONAL);
        assertThat(dev.iotlbFlushes()).isEqualTo(1);
        assertThat(dev.translate(addr)).isEqualTo(-1);
        assertThat(dev.violations()).isEmpty();
    }

    @Test
    void dmaMapSgThroughAnIommuMergesIntoFewerSegmentsThanEntries() {
        DmaDevice dev = new DmaSystem(phys, true).device("nic", 64, true);
        dev.setMaxSegmentSize(1L << 30);
        int a = phys.allocFolio(0);
        int b = phys.allocFolio(0);
        int c = phys.allocFolio(0);
        ScatterList sg = ScatterList.fromPages(new int[] {a, c, b}, 3);
        assertThat(sg.entries()).hasSizeGreaterThan(1);
        assertThat(dev.mapSg(sg, DmaDirection.TO_DEVICE)).isEqualTo(1);
        dev.unmapSg(sg, DmaDirection.TO_DEVICE);
        assertThat(dev.liveMappings()).isZero();
        assertThat(dev.violations()).isEmpty();
    }

    @Test
    void withoutAnIommuAPageBeyondTheMaskBouncesThroughSwiotlb() {
        PhysicalMemory big = new PhysicalMemory(64L << 20, 0, 0);
        DmaDevice dev = new DmaSystem(big, false).device("old", 24, true); // reaches 16 MiB
        int high = big.allocFolioAt(big.nrFrames() - 1, 0);
        big.data().writePattern(high, 0, 4096, Pattern.i32(7), 0);
        long addr = dev.mapPage(high, 0, 4096, DmaDirection.BIDIRECTIONAL);
        assertThat(addr).isLessThan(1L << 24);
        assertThat(dev.bounces()).isEqualTo(1);
        int bounce = (int) (addr >>> 12);
        assertThat(big.data().matches(bounce, 0, 4096, Pattern.i32(7), 0)).isTrue();
        big.data().writePattern(bounce, 0, 4096, Pattern.fillByte(9), 0); // the device writes
        dev.unmapPage(addr, 4096, DmaDirection.BIDIRECTIONAL);
        assertThat(big.data().matches(high, 0, 4096, Pattern.fillByte(9), 0)).isTrue();
    }

    @Test
    void iovaTryAllocFailsWithoutAnIommu() {
        DmaDevice dev = new DmaSystem(phys, false).device("d", 64, true);
        assertThat(dev.iovaTryAlloc(new DmaIovaState(), 1L << 20)).isFalse();
    }

    @Test
    void theTwoStepApiLinksPiecesAndSyncsOnce() {
        DmaDevice dev = new DmaSystem(phys, true).device("d", 64, true);
        DmaIovaState state = new DmaIovaState();
        assertThat(dev.iovaTryAlloc(state, 8 * 4096)).isTrue();
        for (int i = 0; i < 8; i++) {
            assertThat(dev.iovaLink(state, phys.allocFolio(0), (long) i * 4096, 4096, DmaDirection.BIDIRECTIONAL)).isZero();
        }
        dev.iovaSync(state);
        assertThat(dev.mapSyncs()).isEqualTo(1);
        assertThat(dev.iotlbFlushes()).as("dma_iova_sync is no IOTLB invalidation").isZero();
        for (int i = 0; i < 8; i++) {
            dev.iovaUnlink(state, (long) i * 4096, 4096, DmaDirection.BIDIRECTIONAL);
        }
        dev.iovaDestroy(state);
        assertThat(dev.liveMappings()).isZero();
    }

    @Test
    void unmappingWhatWasNeverMappedAndLeakingPastTeardownAreReported() {
        DmaDevice dev = new DmaSystem(phys, true).device("d", 64, true);
        dev.unmapPage(0x1234000, 4096, DmaDirection.TO_DEVICE);
        dev.mapPage(phys.allocFolio(0), 0, 4096, DmaDirection.TO_DEVICE);
        dev.teardown();
        assertThat(dev.violations()).hasSize(2);
        assertThat(dev.violations().get(0)).contains("not mapped");
        assertThat(dev.violations().get(1)).contains("leaked");
    }
}
