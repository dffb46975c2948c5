package jhmm.dma;

import static jhmm.gup.EdgeCaseSupport.ANON;
import static jhmm.gup.EdgeCaseSupport.P;
import static jhmm.gup.EdgeCaseSupport.RW;
import static jhmm.gup.EdgeCaseSupport.frame;
import static jhmm.gup.EdgeCaseSupport.pin;
import static jhmm.gup.EdgeCaseSupport.written;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import jhmm.base.PageSize;
import jhmm.base.Pattern;
import jhmm.dmamap.GupRangeMapper;
import jhmm.dmamap.Hmm2019RangeMapper;
import jhmm.dmamap.HmmDmaRangeMapper;
import jhmm.dmamap.RangeDmaMapper;
import jhmm.gup.Foll;
import jhmm.gup.Gup;
import jhmm.hmm.HmmDma;
import jhmm.hmm.HmmPfn;
import jhmm.kernel.Machine;
import jhmm.kernel.MachineConfig;
import jhmm.kernel.UserProcess;
import jhmm.mm.Mman;
import jhmm.phys.PageFlags;
import jhmm.phys.PhysicalMemory;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The DMA edge cases 15-18 of gup-migrate-dma.md section 6, driven with pages a process's
 * memory and GUP provide, plus two requirements of the range-mapping paths: a 32-bit device
 * without an IOMMU bounces what GUP gives it from above 4 GiB, and unmapping with
 * {@code dirty} marks dirty only what the device could write.
 */
class DmaEdgeCaseTest {
    private final Machine machine = new Machine(MachineConfig.defaults().withRam(256L << 20));
    private final UserProcess p = machine.createProcess("p");
    private final PhysicalMemory phys = machine.physicalMemory();

    /** Pinned pages of {@code p} that are not physically contiguous: faulted in from the last page down. */
    private int[] scatteredPins(int n) {
        long a = p.mmap(0, n * P, RW, ANON, null, 0);
        for (int i = n - 1; i >= 0; i--) {
            assertThat(p.write(a + i * P, P, Pattern.i32(i), a)).isZero();
        }
        int[] pages = new int[n];
        assertThat(pin(p, a, n, Foll.WRITE, pages)).isEqualTo(n);
        return pages;
    }

    /** Edge case 15: dma_map_sg through an IOMMU returns fewer segments than entries when it merges. */
    @Test
    @DisplayName("gup edge 15: dma_map_sg through an IOMMU merges scattered entries into fewer DMA segments")
    void mapSgMergesThroughTheIommu() {
        int[] pages = scatteredPins(4);
        ScatterList sg = ScatterList.fromPages(pages, 4);
        assertThat(sg.entries()).as("the frames are not contiguous").hasSizeGreaterThan(1);

        DmaDevice dev = new DmaSystem(phys, true).device("nic", 64, true);
        int nents = sg.entries().size();
        int segments = dev.mapSg(sg, DmaDirection.BIDIRECTIONAL);
        assertThat(segments).as("merged into one IOVA range").isEqualTo(1).isLessThan(nents);
        long base = sg.segments().get(0).dmaAddress();
        assertThat(sg.segments().get(0).length()).isEqualTo(4 * P);
        for (int i = 0; i < 4; i++) {
            assertThat(dev.translate(base + i * P)).as("page %d of the segment", i).isEqualTo(pages[i]);
        }
        dev.unmapSg(sg, DmaDirection.BIDIRECTIONAL);

        // no merging when the segment size forbids it, nor without an IOMMU for scattered frames
        dev.setMaxSegmentSize(P);
        assertThat(dev.mapSg(sg, DmaDirection.BIDIRECTIONAL)).isEqualTo(4);
        dev.unmapSg(sg, DmaDirection.BIDIRECTIONAL);
        DmaDevice direct = new DmaSystem(phys, false).device("direct", 64, true);
        assertThat(direct.mapSg(sg, DmaDirection.BIDIRECTIONAL)).isEqualTo(nents);
        direct.unmapSg(sg, DmaDirection.BIDIRECTIONAL);

        assertThat(dev.liveMappings()).isZero();
        assertThat(direct.liveMappings()).isZero();
        assertThat(dev.violations()).isEmpty();
        assertThat(direct.violations()).isEmpty();
        Gup.unpinUserPagesDirtyLock(phys, pages, 4, false);
    }

    /** Edge case 16: unmapping from an IOMMU domain requires an IOTLB invalidation before the IOVA is reused. */
    @Test
    @DisplayName("gup edge 16: an IOMMU unmap invalidates the IOTLB before the IOVA is handed out again")
    void unmapInvalidatesBeforeReuse() {
        int[] pages = scatteredPins(2);
        DmaDevice dev = new DmaSystem(phys, true).device("gpu", 64, true);
        long iova = dev.mapPage(pages[0], 0, P, DmaDirection.BIDIRECTIONAL);
        assertThat(iova).isNotEqualTo(DmaDevice.MAPPING_ERROR);
        assertThat(dev.translate(iova)).isEqualTo(pages[0]);
        long flushes = dev.iotlbFlushes();

        dev.unmapPage(iova, P, DmaDirection.BIDIRECTIONAL);
        assertThat(dev.iotlbFlushes()).as("the unmap invalidated the IOTLB").isEqualTo(flushes + 1);
        assertThat(dev.translate(iova)).as("nothing reachable any more").isEqualTo(-1);

        long again = dev.mapPage(pages[1], 0, P, DmaDirection.BIDIRECTIONAL);
        assertThat(again).as("the freed IOVA is reused").isEqualTo(iova);
        assertThat(dev.translate(again)).as("and reaches only the new page").isEqualTo(pages[1]);
        dev.unmapPage(again, P, DmaDirection.BIDIRECTIONAL);
        assertThat(dev.iotlbFlushes()).isEqualTo(flushes + 2);

        // the two-step API: an unlinked IOVA is invalidated too
        DmaIovaState state = new DmaIovaState();
        assertThat(dev.iovaTryAlloc(state, 2 * P)).isTrue();
        assertThat(dev.iovaLink(state, pages[0], 0, P, DmaDirection.BIDIRECTIONAL)).isZero();
        dev.iovaSync(state);
        long before = dev.iotlbFlushes();
        dev.iovaUnlink(state, 0, P, DmaDirection.BIDIRECTIONAL);
        assertThat(dev.iotlbFlushes()).isGreaterThan(before);
        assertThat(dev.translate(state.base())).isEqualTo(-1);
        dev.iovaDestroy(state);
        assertThat(dev.liveMappings()).isZero();
        assertThat(dev.violations()).isEmpty();
        Gup.unpinUserPagesDirtyLock(phys, pages, 2, false);
    }

    /** Edge case 17: a device whose DMA mask cannot reach a page, without an IOMMU, bounces through swiotlb. */
    @Test
    @DisplayName("gup edge 17: without an IOMMU a page above the DMA mask bounces through the swiotlb, copied on map and on unmap")
    void pagesBeyondTheMaskBounce() {
        PhysicalMemory small = new PhysicalMemory(64L << 20, 0, 0);
        DmaDevice dev = new DmaSystem(small, false).device("isa", 24, true); // reaches 16 MiB
        assertThat(dev.addressingLimited()).isTrue();
        int high = small.allocFolioAt(small.nrFrames() - 2, 0);
        int low = small.allocFolioAt(small.nrFrames() / 8, 0); // 8 MiB: within the mask
        small.data().writePattern(high, 0, (int) P, Pattern.i32(7), 0);

        long direct = dev.mapPage(low, 0, P, DmaDirection.TO_DEVICE);
        assertThat(direct).as("reachable: no bounce").isEqualTo((long) low << PageSize.PAGE_SHIFT);
        assertThat(dev.bounces()).isZero();

        long toDev = dev.mapPage(high, 0, P, DmaDirection.TO_DEVICE);
        assertThat(toDev).isNotEqualTo(DmaDevice.MAPPING_ERROR).isLessThan(1L << 24);
        assertThat(dev.bounces()).isEqualTo(1);
        assertThat(small.data().matches((int) (toDev >>> PageSize.PAGE_SHIFT), 0, (int) P, Pattern.i32(7), 0))
                .as("copied into the bounce buffer on map").isTrue();
        dev.unmapPage(toDev, P, DmaDirection.TO_DEVICE);

        long fromDev = dev.mapPage(high, 0, P, DmaDirection.FROM_DEVICE);
        assertThat(fromDev).isLessThan(1L << 24);
        assertThat(dev.bounces()).isEqualTo(2);
        small.data().writePattern((int) (fromDev >>> PageSize.PAGE_SHIFT), 0, (int) P, Pattern.fillByte(9), 0); // the device writes
        assertThat(small.data().matches(high, 0, (int) P, Pattern.i32(7), 0)).as("not yet copied back").isTrue();
        dev.unmapPage(fromDev, P, DmaDirection.FROM_DEVICE);
        assertThat(small.data().matches(high, 0, (int) P, Pattern.fillByte(9), 0)).as("copied back on unmap").isTrue();
        dev.unmapPage(direct, P, DmaDirection.TO_DEVICE);
        assertThat(dev.liveMappings()).isZero();
        assertThat(dev.violations()).isEmpty();
    }

    /** Edge case 18: dma_iova_try_alloc fails without an IOMMU; callers fall back to per-page mapping. */
    @Test
    @DisplayName("gup edge 18: dma_iova_try_alloc fails without an IOMMU and hmm-dma falls back to one mapping per page")
    void iovaTryAllocFailsWithoutAnIommu() {
        DmaDevice direct = new DmaSystem(phys, false).device("direct", 64, true);
        DmaIovaState state = new DmaIovaState();
        assertThat(direct.iovaTryAlloc(state, 4 * P)).isFalse();
        assertThat(state.used()).isFalse();

        // hmm-dma's own fallback: a dma_list, and dma_map_page per entry
        long a = written(p, 4 * P);
        HmmDma.HmmDmaMap map = new HmmDma.HmmDmaMap();
        assertThat(HmmDma.alloc(direct, map, 4, P)).isZero();
        assertThat(map.usesIova()).isFalse();
        assertThat(map.dmaList).isNotNull();
        for (int i = 0; i < 4; i++) {
            int pfn = frame(p, a + i * P);
            map.pfnList[i] = pfn | HmmPfn.VALID;
            assertThat(HmmDma.mapPfn(direct, map, i)).as("entry %d, direct", i).isEqualTo((long) pfn << PageSize.PAGE_SHIFT);
        }
        assertThat(direct.liveMappings()).as("one mapping per page").isEqualTo(4);
        for (int i = 0; i < 4; i++) {
            assertThat(HmmDma.unmapPfn(direct, map, i)).isTrue();
        }
        HmmDma.free(direct, map);

        // the same through the hmm-dma range mapper: one DMA mapping per page, physical addresses
        HmmDmaRangeMapper fallback = new HmmDmaRangeMapper(p.mm(), direct);
        assertThat(fallback.map(a, 4, true)).isZero();
        assertThat(fallback.stats().dmaEntries()).isEqualTo(4);
        assertThat(direct.liveMappings()).isEqualTo(4);
        assertThat(fallback.deviceAccess()).isZero();
        fallback.unmap(false);

        DmaDevice iommu = new DmaSystem(phys, true).device("iommu", 64, true);
        HmmDma.HmmDmaMap window = new HmmDma.HmmDmaMap();
        assertThat(HmmDma.alloc(iommu, window, 4, P)).isZero();
        assertThat(window.usesIova()).isTrue();
        assertThat(window.dmaList).isNull();
        HmmDma.free(iommu, window);
        assertThat(direct.liveMappings()).isZero();
        assertThat(direct.violations()).isEmpty();
        assertThat(iommu.violations()).isEmpty();
    }

    // ---- issue requirements ------------------------------------------------------------------

    /**
     * A device with a 32-bit DMA mask and no IOMMU, on a machine with RAM above 4 GiB: the pages
     * pin_user_pages gives the GUP mapping path from above 4 GiB reach the device through
     * swiotlb bounce buffers below 4 GiB, and what the device writes there lands in the
     * process's pages on unmap.
     */
    @Test
    @DisplayName("gup: a 32-bit device without an IOMMU bounces the GUP path's pages that sit above 4 GiB")
    void thirtyTwoBitDeviceBouncesGupPagesAbove4G() {
        Machine big = new Machine(MachineConfig.defaults().withRam(5L << 30).withIommu(false));
        UserProcess q = big.createProcess("q");
        PhysicalMemory bigPhys = big.physicalMemory();
        long fourG = 1L << (32 - PageSize.PAGE_SHIFT);
        int n = 8;
        long a = q.mmap(0, n * P, RW, ANON, null, 0);
        // memory below 4 GiB is busy while the process faults its pages in, so they come from above
        List<Integer> lowMemory = new ArrayList<>();
        for (int pfn = 0; pfn < fourG; pfn++) {
            if ((pfn & 1023) == 0 && bigPhys.allocFolioAt(pfn, 10) >= 0) {
                lowMemory.add(pfn);
                pfn += 1023;
            } else if (bigPhys.allocFolioAt(pfn, 0) >= 0) {
                lowMemory.add(pfn);
            }
        }
        assertThat(q.write(a, n * P, Pattern.i32(0), a)).isZero();
        lowMemory.forEach(bigPhys::put); // free again: room for the swiotlb pool
        for (int i = 0; i < n; i++) {
            assertThat((long) frame(q, a + i * P)).as("page %d above 4 GiB", i).isGreaterThanOrEqualTo(fourG);
        }

        DmaDevice dev = new DmaSystem(bigPhys, big.config().iommu()).device("dev32", 32, true);
        assertThat(dev.domain()).isNull();
        assertThat(dev.addressingLimited()).isTrue();
        GupRangeMapper gup = new GupRangeMapper(q.mm(), dev);
        assertThat(gup.map(a, n, true)).isZero();
        assertThat(dev.bounces()).as("bounced").isPositive();
        assertThat(gup.stats().pinned()).isEqualTo(n);
        gup.unmap(true);
        assertThat(dev.liveMappings()).isZero();

        // the same steps by hand, to follow the data: pin, dma_map_sg, the device writes, unmap
        int[] pages = new int[n];
        assertThat(pin(q, a, n, Foll.WRITE | Foll.LONGTERM, pages)).isEqualTo(n);
        ScatterList sg = ScatterList.fromPages(pages, n);
        long bouncesBefore = dev.bounces();
        assertThat(dev.mapSg(sg, DmaDirection.BIDIRECTIONAL)).isEqualTo(sg.entries().size());
        assertThat(dev.bounces() - bouncesBefore).as("one bounce per entry").isEqualTo(sg.entries().size());
        int page = 0;
        for (ScatterList.Segment seg : sg.segments()) {
            assertThat(seg.dmaAddress() + seg.length()).as("the device reaches the bounce buffer").isLessThanOrEqualTo(1L << 32);
            for (long off = 0; off < seg.length(); off += P, page++) {
                int bounce = (int) ((seg.dmaAddress() + off) >>> PageSize.PAGE_SHIFT);
                assertThat(bigPhys.data().matches(bounce, 0, (int) P, Pattern.i32(0), page * P)).as("page %d copied on map", page).isTrue();
                assertThat(dev.translate(seg.dmaAddress() + off)).as("page %d stands for the process's page", page).isEqualTo(pages[page]);
                bigPhys.data().writePattern(bounce, 0, (int) P, Pattern.i32(1000), page * P); // the device writes
            }
        }
        assertThat(page).isEqualTo(n);
        dev.unmapSg(sg, DmaDirection.BIDIRECTIONAL);
        Gup.unpinUserPagesDirtyLock(bigPhys, pages, n, true);
        byte[] buf = new byte[(int) (n * P)];
        assertThat(q.read(a, buf, 0, buf.length)).isZero();
        for (int i = 0; i < buf.length; i++) {
            assertThat(buf[i]).as("byte %d copied back on unmap", i).isEqualTo(Pattern.i32(1000).byteAt(i));
        }
        assertThat(dev.liveMappings()).isZero();
        assertThat(dev.violations()).isEmpty();
        assertThat(big.checkInvariants()).isEmpty();
    }

    /**
     * unmap(dirty=true) marks dirty only the pages the device could write: with the GUP path,
     * the pages pinned with FOLL_WRITE and mapped BIDIRECTIONAL; with the 2019 helper, the
     * pages whose entry carried the WRITE flag (mapped BIDIRECTIONAL), never those mapped
     * TO_DEVICE.
     */
    @Test
    @DisplayName("gup: unmap(dirty) dirties only pages the device could write, for the GUP path and the 2019 helper")
    void unmapDirtiesOnlyWhatTheDeviceCouldWrite() {
        DmaDevice dev = new DmaSystem(phys, true).device("gpu", 64, true);

        long readOnly = written(p, 4 * P);
        assertDirtied(new GupRangeMapper(p.mm(), dev), readOnly, false, false);
        long writable = written(p, 4 * P);
        assertDirtied(new GupRangeMapper(p.mm(), dev), writable, true, true);

        // the 2019 helper maps a page BIDIRECTIONAL when its CPU entry is writable
        long cpuReadOnly = written(p, 4 * P);
        assertThat(p.mprotect(cpuReadOnly, 4 * P, Mman.PROT_READ)).isZero();
        assertDirtied(new Hmm2019RangeMapper(p.mm(), dev), cpuReadOnly, false, false);
        long cpuWritable = written(p, 4 * P);
        assertDirtied(new Hmm2019RangeMapper(p.mm(), dev), cpuWritable, true, true);
        // a read request over writable CPU entries still maps BIDIRECTIONAL: the device could write
        long readOverWritable = written(p, 4 * P);
        assertDirtied(new Hmm2019RangeMapper(p.mm(), dev), readOverWritable, false, true);
        assertThat(dev.liveMappings()).isZero();
        assertThat(dev.violations()).isEmpty();
        assertThat(machine.checkInvariants()).isEmpty();
    }

    private void assertDirtied(RangeDmaMapper mapper, long a, boolean write, boolean expectDirty) {
        for (int i = 0; i < 4; i++) {
            assertThat(phys.frames().test(frame(p, a + i * P), PageFlags.DIRTY)).as("page %d clean before", i).isFalse();
        }
        assertThat(mapper.map(a, 4, write)).isZero();
        assertThat(mapper.unmap(true)).isEqualTo(4);
        for (int i = 0; i < 4; i++) {
            assertThat(phys.frames().test(frame(p, a + i * P), PageFlags.DIRTY))
                    .as("%s, write=%s: page %d dirty", mapper.getClass().getSimpleName(), write, i).isEqualTo(expectDirty);
        }
    }
}
