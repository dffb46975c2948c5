package jhmm.hmm;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.function.BiConsumer;
import jhmm.base.Errno;
import jhmm.base.PageSize;
import jhmm.base.Pattern;
import jhmm.dma.DmaDevice;
import jhmm.dma.DmaSystem;
import jhmm.hmm.HmmDma.HmmDmaMap;
import jhmm.kernel.Machine;
import jhmm.kernel.MachineConfig;
import jhmm.kernel.UserProcess;
import jhmm.mm.Mm;
import jhmm.mm.Mman;
import jhmm.mm.PageStates;
import jhmm.notifier.MmuIntervalNotifier;
import jhmm.notifier.MmuNotifiers;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The hmm-dma helpers of 6.16+ (specification section 4.8) driven as a driver drives them: an
 * {@link HmmDmaMap} whose {@code pfnList} is the range's {@code hmm_pfns}, hmm_range_fault under
 * an interval notifier, then {@link HmmDma#mapPfn} / {@link HmmDma#unmapPfn} per index, over a
 * device behind an IOMMU (IOVA mode) or direct-mapped (per-page mode).
 */
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class HmmDmaTest {
    private static final long P = PageSize.PAGE_SIZE;
    private static final int RW = Mman.PROT_READ | Mman.PROT_WRITE;
    private static final int ANON = Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS;
    private static final long REQ = HmmPfn.REQ_FAULT;

    private Machine machine;
    private UserProcess p;
    private Mm mm;
    private MmuIntervalNotifier sub;
    /** What the driver does in its invalidate callback, besides mmu_interval_set_seq. */
    private BiConsumer<Long, Long> onInvalidate = (start, end) -> {};

    @BeforeEach
    void boot() {
        machine = new Machine(MachineConfig.defaults().withRam(256L << 20));
        p = machine.createProcess("p");
        mm = p.mm();
        sub = MmuNotifiers.insert(mm, 0, PageSize.TASK_SIZE, (s, range, cur) -> {
            s.setSeq(cur);
            onInvalidate.accept(range.start(), range.end());
            return true;
        });
    }

    private DmaDevice iommuDevice() {
        return new DmaSystem(machine.physicalMemory(), true).device("gpu", 64, true);
    }

    /** No IOMMU, a mask that reaches all RAM, coherent: the per-page mode. */
    private DmaDevice directDevice() {
        return new DmaSystem(machine.physicalMemory(), false).device("gpu", 64, true);
    }

    private long written(int n) {
        long a = p.mmap(0, n * P, RW, ANON, null, 0);
        assertThat(a).isPositive();
        assertThat(p.write(a, n * P, Pattern.i32(3), a)).isZero();
        return a;
    }

    private HmmDmaMap alloc(DmaDevice dev, int n) {
        HmmDmaMap map = new HmmDmaMap();
        assertThat(HmmDma.alloc(dev, map, n, P)).isZero();
        return map;
    }

    /** A device, its map of {@code n} entries and {@code n} written pages at {@code a}, faulted into the map. */
    private record Mirrored(DmaDevice dev, HmmDmaMap map, long a) {}

    private Mirrored mirrored(DmaDevice dev, int n) {
        HmmDmaMap map = alloc(dev, n);
        long a = written(n);
        assertThat(fault(map, a, REQ)).isZero();
        return new Mirrored(dev, map, a);
    }

    /** hmm_range_fault over the map's pfn_list: mmu_interval_read_begin, then the call under the mmap read lock. */
    private int fault(HmmDmaMap map, long start, long defaultFlags) {
        HmmRange r = new HmmRange(sub, start, start + map.pfnList.length * P, map.pfnList);
        r.defaultFlags = defaultFlags;
        r.notifierSeq = MmuNotifiers.readBegin(sub);
        mm.mmapLock().readLock().lock();
        try {
            return HmmRangeFault.fault(r);
        } finally {
            mm.mmapLock().readLock().unlock();
        }
    }

    private int frameAt(long addr) {
        return PageStates.frameAt(mm, addr);
    }

    // ---- hmm_dma_map_alloc ---------------------------------------------------------------

    @Test
    @DisplayName("alloc: -EOPNOTSUPP on a non-coherent device (needs syncs) and on an addressing-limited one (would bounce)")
    void allocRefusesSyncOrBounce() {
        for (boolean iommu : new boolean[] {true, false}) {
            HmmDmaMap map = new HmmDmaMap();
            DmaDevice nonCoherent = new DmaSystem(machine.physicalMemory(), iommu).device("arm", 64, false);
            assertThat(nonCoherent.needsSync()).isTrue();
            assertThat(HmmDma.alloc(nonCoherent, map, 4, P)).isEqualTo(-Errno.EOPNOTSUPP);
            assertThat(map.pfnList).isNull();
            assertThat(map.usesIova()).isFalse();
        }
        DmaDevice limited = new DmaSystem(machine.physicalMemory(), false).device("old", 24, true);
        assertThat(limited.addressingLimited()).isTrue();
        HmmDmaMap map = new HmmDmaMap();
        assertThat(HmmDma.alloc(limited, map, 4, P)).isEqualTo(-Errno.EOPNOTSUPP);
        assertThat(map.pfnList).isNull();
    }

    @Test
    @DisplayName("alloc: with an IOMMU one IOVA window of nr_entries * PAGE_SIZE and no dma_list; without one a dma_list")
    void allocPicksIovaOrPerPage() {
        HmmDmaMap iova = alloc(iommuDevice(), 8);
        assertThat(iova.usesIova()).isTrue();
        assertThat(iova.dmaList).isNull();
        assertThat(iova.pfnList).hasSize(8).containsOnly(0L);
        assertThat(iova.dmaEntrySize).isEqualTo(P);

        HmmDmaMap perPage = alloc(directDevice(), 8);
        assertThat(perPage.usesIova()).isFalse();
        assertThat(perPage.dmaList).hasSize(8).containsOnly(0L);
        assertThat(perPage.pfnList).hasSize(8).containsOnly(0L);
    }

    @Test
    @DisplayName("alloc: nr_entries * PAGE_SIZE / dma_entry_size == 0 is a WARN, not an error")
    void allocWarnsOnEmptyDivision() {
        HmmDmaMap map = new HmmDmaMap();
        assertThat(HmmDma.alloc(iommuDevice(), map, 1, 2 * P)).isZero();
        assertThat(map.warnings).singleElement().asString().contains("dma_entry_size is 0");
    }

    // ---- IOVA mode -------------------------------------------------------------------------

    @Test
    @DisplayName("IOVA mode: entry idx is linked at iova + idx * dma_entry_size, bidirectional, one iommu_sync_map per entry and no IOTLB flush; DMA_MAPPED set")
    void iovaModeLinksEachEntry() {
        Mirrored m = mirrored(iommuDevice(), 4);
        DmaDevice dev = m.dev();
        HmmDmaMap map = m.map();
        long a = m.a();
        long base = map.state.base();
        for (int i = 0; i < 4; i++) {
            long flushes = dev.iotlbFlushes();
            long syncs = dev.mapSyncs();
            long addr = HmmDma.mapPfn(dev, map, i);
            assertThat(addr).isEqualTo(base + i * P);
            assertThat(dev.mapSyncs() - syncs).as("dma_iova_sync").isEqualTo(1);
            assertThat(dev.iotlbFlushes()).as("dma_iova_sync invalidates nothing").isEqualTo(flushes);
            assertThat(dev.translate(addr)).isEqualTo(frameAt(a + i * P));
            assertThat(map.pfnList[i] & HmmPfn.DMA_MAPPED).isNotZero();
        }
        assertThat(dev.liveMappings()).isEqualTo(4);
        for (int i = 0; i < 4; i++) {
            assertThat(HmmDma.unmapPfn(dev, map, i)).isTrue();
            assertThat(map.pfnList[i] & HmmPfn.INOUT_FLAGS).isZero();
            assertThat(dev.translate(base + i * P)).isEqualTo(-1);
        }
        assertThat(dev.liveMappings()).isZero();
        HmmDma.free(dev, map);
        assertThat(map.pfnList).isNull();
        assertThat(dev.violations()).isEmpty();
    }

    @Test
    @DisplayName("IOVA mode: the reservation is nr_entries * PAGE_SIZE but offsets are idx * dma_entry_size: upper entries do not fit")
    void iovaArithmeticIsLiteral() {
        DmaDevice dev = iommuDevice();
        HmmDmaMap map = new HmmDmaMap();
        assertThat(HmmDma.alloc(dev, map, 4, 2 * P)).isZero(); // a 16 KiB window for 4 entries of 8 KiB
        long a = written(4);
        assertThat(fault(map, a, REQ)).isZero();
        assertThat(HmmDma.mapPfn(dev, map, 0)).isEqualTo(map.state.base());
        assertThat(HmmDma.mapPfn(dev, map, 1)).isEqualTo(map.state.base() + 2 * P);
        assertThat(HmmDma.mapPfn(dev, map, 2)).as("offset 16 KiB is past the window").isEqualTo(DmaDevice.MAPPING_ERROR);
        assertThat(map.pfnList[2] & HmmPfn.DMA_MAPPED).isZero();
        assertThat(HmmDma.mapPfn(dev, map, 3)).isEqualTo(DmaDevice.MAPPING_ERROR);
        assertThat(HmmDma.unmapPfn(dev, map, 0)).isTrue();
        assertThat(HmmDma.unmapPfn(dev, map, 1)).isTrue();
        assertThat(HmmDma.unmapPfn(dev, map, 2)).as("never mapped").isFalse();
        assertThat(dev.liveMappings()).isZero();
    }

    // ---- per-page mode ----------------------------------------------------------------------

    @Test
    @DisplayName("per-page mode: each entry is a dma_map_page (bidirectional) whose address is recorded in dma_list")
    void perPageModeRecordsDmaList() {
        DmaDevice dev = directDevice();
        HmmDmaMap map = alloc(dev, 3);
        long a = written(3);
        assertThat(p.mprotect(a + P, P, Mman.PROT_READ)).isZero(); // a read-only entry is still mapped bidirectional
        assertThat(fault(map, a, REQ)).isZero();
        assertThat(map.pfnList[1] & HmmPfn.WRITE).isZero();
        for (int i = 0; i < 3; i++) {
            long addr = HmmDma.mapPfn(dev, map, i);
            assertThat(addr).isEqualTo((long) frameAt(a + i * P) << PageSize.PAGE_SHIFT);
            assertThat(map.dmaList[i]).isEqualTo(addr);
            assertThat(map.pfnList[i] & HmmPfn.DMA_MAPPED).isNotZero();
        }
        assertThat(dev.liveMappings()).isEqualTo(3);
        assertThat(dev.iommuLeaves()).isZero();
        for (int i = 0; i < 3; i++) {
            assertThat(HmmDma.unmapPfn(dev, map, i)).isTrue();
        }
        assertThat(dev.liveMappings()).isZero();
        assertThat(dev.violations()).as("unmapped BIDIRECTIONAL as mapped, the read-only entry too").isEmpty();
    }

    @Test
    @DisplayName("already mapped: map_pfn returns the stored dma_list address without mapping again")
    void alreadyMappedPerPageReturnsStoredAddress() {
        Mirrored m = mirrored(directDevice(), 1);
        DmaDevice dev = m.dev();
        HmmDmaMap map = m.map();
        long addr = HmmDma.mapPfn(dev, map, 0);
        long made = dev.mappingsMade();
        assertThat(HmmDma.mapPfn(dev, map, 0)).isEqualTo(addr);
        assertThat(dev.mappingsMade()).isEqualTo(made);
        assertThat(dev.liveMappings()).isEqualTo(1);
    }

    // ---- sticky bits and the contract consequences --------------------------------------------

    @Test
    @DisplayName("sticky: DMA_MAPPED survives hmm_range_fault; mapping again returns the same IOVA without relinking")
    void dmaMappedSurvivesFault() {
        Mirrored m = mirrored(iommuDevice(), 2);
        DmaDevice dev = m.dev();
        HmmDmaMap map = m.map();
        long a = m.a();
        long addr = HmmDma.mapPfn(dev, map, 1);
        long mapped = map.pfnList[1];

        assertThat(fault(map, a, REQ | HmmPfn.REQ_WRITE)).as("re-fault, now for write").isZero();
        assertThat(map.pfnList[1]).as("same output, DMA_MAPPED kept").isEqualTo(mapped);
        assertThat(map.pfnList[1] & HmmPfn.DMA_MAPPED).isNotZero();
        long leaves = dev.iommuLeaves();
        long syncs = dev.mapSyncs();
        assertThat(HmmDma.mapPfn(dev, map, 1)).isEqualTo(addr);
        assertThat(dev.iommuLeaves()).as("no relink").isEqualTo(leaves);
        assertThat(dev.mapSyncs()).as("no sync").isEqualTo(syncs);
        assertThat(dev.liveMappings()).isEqualTo(1);
    }

    @Test
    @DisplayName("contract: a re-fault that changed the pfn of a DMA_MAPPED entry gets the old IOVA back, still reaching the old frame")
    void staleIovaAfterPfnChange() {
        Mirrored m = mirrored(iommuDevice(), 1);
        DmaDevice dev = m.dev();
        HmmDmaMap map = m.map();
        long a = m.a();
        int oldFrame = frameAt(a);
        long addr = HmmDma.mapPfn(dev, map, 0);

        // the page migrates; this driver does not unmap in its invalidate callback
        assertThat(machine.migrate(p, a, P)).isZero();
        int newFrame = frameAt(a);
        assertThat(newFrame).isNotEqualTo(oldFrame);
        assertThat(fault(map, a, REQ)).isZero();
        assertThat(HmmPfn.pfn(map.pfnList[0])).isEqualTo(newFrame);
        assertThat(map.pfnList[0] & HmmPfn.DMA_MAPPED).isNotZero();

        assertThat(HmmDma.mapPfn(dev, map, 0)).as("already mapped: the old IOVA").isEqualTo(addr);
        assertThat(dev.translate(addr)).as("which still reaches the page's old frame").isEqualTo(oldFrame);
        assertThat(HmmDma.unmapPfn(dev, map, 0)).isTrue();
        assertThat(dev.liveMappings()).isZero();
    }

    @Test
    @DisplayName("contract: unmap_pfn refuses an entry whose VALID bit is gone, leaving its mapping live")
    void unmapRefusedWithoutValid() {
        Mirrored m = mirrored(iommuDevice(), 1);
        DmaDevice dev = m.dev();
        HmmDmaMap map = m.map();
        long a = m.a();
        int frame = frameAt(a);
        long addr = HmmDma.mapPfn(dev, map, 0);

        assertThat(p.madvise(a, P, Mman.MADV_DONTNEED)).isZero(); // the driver's callback does nothing
        assertThat(fault(map, a, 0)).as("snapshot: the slot is now empty").isZero();
        assertThat(map.pfnList[0]).as("no VALID, no pfn, only the sticky bit").isEqualTo(HmmPfn.DMA_MAPPED);

        assertThat(HmmDma.unmapPfn(dev, map, 0)).isFalse();
        assertThat(map.pfnList[0]).isEqualTo(HmmPfn.DMA_MAPPED);
        assertThat(dev.liveMappings()).as("the mapping is left behind").isEqualTo(1);
        assertThat(dev.translate(addr)).isEqualTo(frame);
        dev.teardown();
        assertThat(dev.violations()).singleElement().asString().contains("leaked");
    }

    @Test
    @DisplayName("protocol: a driver that unmaps in its invalidate callback, while the old outputs are in pfn_list, leaves nothing mapped")
    void unmapInInvalidateCallback() {
        Mirrored m = mirrored(iommuDevice(), 2);
        DmaDevice dev = m.dev();
        HmmDmaMap map = m.map();
        long a = m.a();
        onInvalidate = (start, end) -> {
            for (int i = 0; i < map.pfnList.length; i++) {
                long va = a + i * P;
                if (va >= start && va < end) {
                    HmmDma.unmapPfn(dev, map, i);
                }
            }
        };
        HmmDma.mapPfn(dev, map, 0);
        HmmDma.mapPfn(dev, map, 1);

        assertThat(p.madvise(a, P, Mman.MADV_DONTNEED)).isZero();
        assertThat(map.pfnList[0] & HmmPfn.DMA_MAPPED).isZero();
        assertThat(map.pfnList[1] & HmmPfn.DMA_MAPPED).isNotZero();
        assertThat(dev.liveMappings()).isEqualTo(1);
        assertThat(machine.migrate(p, a + P, P)).isZero();
        assertThat(dev.liveMappings()).isZero();
        assertThat(dev.violations()).isEmpty();
    }

    @Test
    @DisplayName("free: gives the IOVA window back without unmapping the entries still mapped")
    void freeDoesNotUnmapEntries() {
        Mirrored m = mirrored(iommuDevice(), 2);
        DmaDevice dev = m.dev();
        HmmDmaMap map = m.map();
        HmmDma.mapPfn(dev, map, 0);
        HmmDma.free(dev, map);
        assertThat(map.usesIova()).isFalse();
        assertThat(map.pfnList).isNull();
        assertThat(dev.liveMappings()).isEqualTo(1);
        dev.teardown();
        assertThat(dev.violations()).singleElement().asString().contains("leaked");
    }

    @Test
    @DisplayName("map_pfn does not look at VALID: an entry never faulted (0) maps pfn 0")
    void mapPfnIgnoresValid() {
        DmaDevice dev = iommuDevice();
        HmmDmaMap map = alloc(dev, 1);
        long addr = HmmDma.mapPfn(dev, map, 0);
        assertThat(addr).isEqualTo(map.state.base());
        assertThat(dev.translate(addr)).isZero();
        assertThat(HmmDma.unmapPfn(dev, map, 0)).as("and, without VALID, cannot unmap it").isFalse();
    }
}
