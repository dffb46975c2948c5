package jhmm.phys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import jhmm.base.Errno;
import jhmm.base.PageSize;
import jhmm.base.Pattern;
import jhmm.gup.EdgeCaseSupport;
import jhmm.gup.Foll;
import jhmm.gup.Gup;
import jhmm.kernel.Machine;
import jhmm.kernel.MachineConfig;
import jhmm.kernel.UserProcess;
import jhmm.mm.Mman;
import jhmm.mm.ThpMode;
import org.junit.jupiter.api.Test;

/** The packed frame layout: order beside the flags, mapping id and index in one word, folio counters in the first tail. */
class PageFramesTest {
    private static final int PMD_NR = PageSize.HPAGE_PMD_NR;

    private final PhysicalMemory phys = new PhysicalMemory(64L << 20, 0, 0);
    private final PageFrames f = phys.frames();

    @Test
    void mappingIdAndIndexRoundTripAtTheirLimits() {
        int pfn = phys.allocFolio(0);
        f.setMapping(pfn, PageFrames.MAX_MAPPING_ID, PageFrames.MAX_INDEX);
        assertThat(f.mapping(pfn)).isEqualTo(PageFrames.MAX_MAPPING_ID);
        assertThat(f.index(pfn)).isEqualTo(PageFrames.MAX_INDEX);
        f.setMapping(pfn, 1, 0);
        assertThat(f.mapping(pfn)).isEqualTo(1);
        assertThat(f.index(pfn)).isZero();
    }

    /** The PTE-mapped frames of a range, counted across chunk boundaries, a chunk no PTE mapped counting none. */
    @Test
    void ptesMappedFramesCountsAcrossChunks() {
        PageFrames frames = new PageFrames(4 * PMD_NR);
        for (int pfn : new int[] {5, PMD_NR - 1, PMD_NR, 3 * PMD_NR - 12}) {
            frames.pteMapcountAdd(pfn, 1);
        }
        frames.pteMapcountAdd(5, 1); // mapped twice: still one frame
        assertThat(frames.ptesMappedFrames(0, 4 * PMD_NR)).isEqualTo(4);
        assertThat(frames.ptesMappedFrames(PMD_NR - 10, 20)).as("either side of a chunk boundary").isEqualTo(2);
        assertThat(frames.ptesMappedFrames(2 * PMD_NR, 100)).as("a mapped chunk, but not there").isZero();
        assertThat(frames.ptesMappedFrames(3 * PMD_NR, PMD_NR)).as("a chunk never mapped").isZero();
        frames.pteMapcountAdd(PMD_NR, -1);
        assertThat(frames.ptesMappedFrames(PMD_NR, PMD_NR)).isZero();
        frames.makeFolio(3 * PMD_NR - 16, 4); // a new folio starts with no mappings; its neighbours keep theirs
        assertThat(frames.pteMapcount(3 * PMD_NR - 12)).isZero();
        assertThat(frames.ptesMappedFrames(0, 4 * PMD_NR)).isEqualTo(2);
    }

    @Test
    void theIndexOfTheHighestUserPageFits() {
        assertThat(PageSize.TASK_SIZE >>> PageSize.PAGE_SHIFT).isLessThanOrEqualTo(PageFrames.MAX_INDEX);
    }

    @Test
    void aMappingIdOrIndexBeyondItsBitsIsRefusedNotWrapped() {
        int pfn = phys.allocFolio(0);
        f.setMapping(pfn, 7, 9);
        assertThatThrownBy(() -> f.setMapping(pfn, PageFrames.MAX_MAPPING_ID + 1, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("mapping id " + (PageFrames.MAX_MAPPING_ID + 1));
        assertThatThrownBy(() -> f.setMapping(pfn, 1, PageFrames.MAX_INDEX + 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> f.setMapping(pfn, 1, -1)).isInstanceOf(IllegalArgumentException.class);
        assertThat(f.mapping(pfn)).as("left as it was").isEqualTo(7);
        assertThat(f.index(pfn)).isEqualTo(9);
    }

    @Test
    void aLargeFolioWhoseLastPageIndexWouldOverflowIsRefused() {
        int head = phys.allocFolio(PageSize.PMD_ORDER);
        assertThatThrownBy(() -> f.setMapping(head, 1, PageFrames.MAX_INDEX - PMD_NR + 2))
                .isInstanceOf(IllegalArgumentException.class);
        f.setMapping(head, 1, PageFrames.MAX_INDEX - PMD_NR + 1);
        assertThat(f.index(head + PMD_NR - 1)).isEqualTo(PageFrames.MAX_INDEX);
    }

    @Test
    void aPmdFolioOrLargeFreeBlockKeepsTwoMappingSlotsAndASmallFolioWidensItsChunk() {
        PhysicalMemory fresh = new PhysicalMemory(64L << 20, 0, 0);
        PageFrames frames = fresh.frames();
        long chunks = (64L << 20 >>> PageSize.PAGE_SHIFT) / PMD_NR;
        assertThat(frames.chunkedSlotBytes()).as("free memory in blocks of PMD order or more, and the boot chunks")
                .isLessThan(chunks * 2 * Long.BYTES + 2 * PMD_NR * Long.BYTES);
        int head = fresh.allocFolio(PageSize.PMD_ORDER);
        long before = frames.chunkedSlotBytes();
        frames.setMapping(head, 4, 512);
        fresh.pin(head + 100);
        assertThat(frames.chunkedSlotBytes()).isEqualTo(before);
        fresh.unpin(head + 100);
        fresh.splitFolio(head);
        assertThat(frames.chunkedSlotBytes()).as("the chunk widened for the split's small folios")
                .isEqualTo(before + (PMD_NR - PageFrames.COMPACT) * Long.BYTES);
        assertThat(frames.index(head + 100)).isEqualTo(612);
        assertThat(frames.mapping(head + 1)).isEqualTo(4);
    }

    @Test
    void aSmallFolioMadeWhereADevicePmdFolioWasWidensTheChunkBeforeItIsHandedOut() {
        DevPagemap pgmap = new DevPagemap(DevPagemap.Type.PRIVATE, this, (h, o) -> {});
        int first = phys.memremapPages(pgmap, PMD_NR);
        phys.initDeviceFolio(first, PageSize.PMD_ORDER);
        f.setMapping(first, 2, 0);
        phys.put(first);
        long compact = f.chunkedSlotBytes();
        phys.initDeviceFolio(first + 7, 0);
        assertThat(f.chunkedSlotBytes()).isEqualTo(compact + (PMD_NR - PageFrames.COMPACT) * Long.BYTES);
        f.setMapping(first + 7, 3, 70);
        assertThat(f.mapping(first + 7)).isEqualTo(3);
    }

    @Test
    void tailsDeriveMappingAndIndexFromTheirHead() {
        int head = phys.allocFolio(PageSize.PMD_ORDER);
        for (int i = 0; i < PMD_NR; i++) {
            f.setMapping(head + i, 5, 1000 + i);
        }
        assertThat(f.mapping(head + 300)).isEqualTo(5);
        assertThat(f.index(head + 300)).isEqualTo(1300);
        assertThat(f.largePincount(head)).as("head+1's slot keeps the pin count, not an index").isZero();
        assertThatThrownBy(() -> f.setMapping(head + 2, 5, 7)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("its head implies 5 1002");
    }

    @Test
    void everyFrameOfAFolioKnowsItsOrderApartFromItsFlags() {
        PhysicalMemory big = new PhysicalMemory(2L << 30, 0, 1);
        int head = big.allocHugetlb(PageSize.PUD_ORDER);
        PageFrames frames = big.frames();
        int last = head + (1 << PageSize.PUD_ORDER) - 1;
        assertThat(frames.order(last)).isEqualTo(PageSize.PUD_ORDER);
        assertThat(frames.head(last)).isEqualTo(head);
        assertThat(frames.flags(last)).isEqualTo(PageFlags.TAIL);
        assertThat(frames.flags(head)).isEqualTo(PageFlags.HEAD | PageFlags.HUGETLB);
    }

    @Test
    void folioCountersInTheFirstTailDoNotTouchItsPageCounts() {
        int head = phys.allocFolio(PageSize.PMD_ORDER);
        f.entireMapcountAdd(head + 7, 2);
        phys.pin(head + 3);
        assertThat(f.entireMapcount(head + 1)).isEqualTo(2);
        assertThat(f.largePincount(head + 1)).isEqualTo(1);
        assertThat(f.pteMapcount(head + 1)).isZero();
        assertThat(f.refcount(head + 1)).as("the folio's, at the head").isEqualTo(2);
        assertThat(f.mapcount(head + 1)).isEqualTo(2);
    }

    @Test
    void aPteMapcountBeyondAShortIsRefusedAndLeftAsItWas() {
        int pfn = phys.allocFolio(0);
        f.pteMapcountAdd(pfn, Short.MAX_VALUE - 1);
        f.pteMapcountAdd(pfn, 1);
        assertThatThrownBy(() -> f.pteMapcountAdd(pfn, 1)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("would be 32768");
        assertThat(f.pteMapcount(pfn)).isEqualTo(Short.MAX_VALUE);
        assertThat(f.pteMapcount(pfn + 1)).isZero();
    }

    @Test
    void aNewFolioStartsUnmappedWhereItsFramesWereCountedBefore() {
        int head = phys.allocFolio(PageSize.PMD_ORDER);
        f.pteMapcountAdd(head + 511, 3);
        f.makeFolio(head, PageSize.PMD_ORDER);
        assertThat(f.pteMapcount(head + 511)).isZero();
        assertThat(f.folioTotalMapcount(head)).isZero();
    }

    @Test
    void tryGetTakesAReferenceOnlyOnALiveFolio() {
        int head = phys.allocFolio(PageSize.PMD_ORDER);
        assertThat(f.refTryGet(head + 9)).isTrue();
        assertThat(f.refcount(head)).isEqualTo(2);
        phys.put(head);
        phys.put(head);
        assertThat(f.refTryGet(head)).as("freed to the buddy allocator").isFalse();
        assertThat(f.refcount(head)).isZero();
    }

    @Test
    void aSmallFolioHasNoEntireMapcountToChange() {
        int a = phys.allocFolio(0);
        int b = phys.allocFolio(0);
        assertThatThrownBy(() -> f.entireMapcountAdd(a, 1)).isInstanceOf(IllegalStateException.class);
        assertThat(f.refcount(a)).isEqualTo(1);
        assertThat(f.refcount(b)).isEqualTo(1);
        assertThat(f.entireMapcount(a)).isZero();
    }

    @Test
    void aPinnedFolioIsNotSplitAndKeepsItsCounts() {
        int head = phys.allocFolio(PageSize.PMD_ORDER);
        phys.pin(head + 5);
        assertThatThrownBy(() -> phys.splitFolio(head)).isInstanceOf(IllegalStateException.class);
        assertThat(f.largePincount(head)).isEqualTo(1);
        assertThat(f.refcount(head)).isEqualTo(2);
        assertThat(f.order(head + 5)).isEqualTo(PageSize.PMD_ORDER);
    }

    @Test
    void aSplitGivesEveryFrameItsOwnMappingAndIndex() {
        int head = phys.allocFolio(PageSize.PMD_ORDER);
        f.setMapping(head, 3, 4096);
        phys.pin(head);
        phys.unpin(head);
        phys.splitFolio(head);
        for (int i : new int[] {0, 1, 2, PMD_NR - 1}) {
            assertThat(f.order(head + i)).isZero();
            assertThat(f.mapping(head + i)).isEqualTo(3);
            assertThat(f.index(head + i)).isEqualTo(4096 + i);
        }
        assertThat(f.refcount(head + 1)).as("the old entire mapcount slot").isZero();
    }

    @Test
    void aThpPinnedThroughGupRefusesToSplitUntilUnpinned() {
        Machine m = new Machine(MachineConfig.defaults().withRam(64L << 20).withThp(ThpMode.ALWAYS));
        UserProcess p = m.createProcess("p");
        long len = PageSize.PMD_SIZE;
        long a = p.mmapAligned(len, len, Mman.PROT_READ | Mman.PROT_WRITE, Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS, null, 0);
        assertThat(p.write(a, len, Pattern.i32(0), a)).isZero();
        int head = EdgeCaseSupport.frame(p, a);
        int[] pages = new int[2];
        assertThat(EdgeCaseSupport.pin(p, a + 8 * PageSize.PAGE_SIZE, 2, Foll.WRITE, pages)).isEqualTo(2);
        assertThat(m.splitThp(p, a)).isEqualTo(-Errno.EAGAIN);
        PageFrames frames = m.physicalMemory().frames();
        assertThat(frames.largePincount(head)).isEqualTo(2);
        // __folio_split checks can_split_folio before unmap_folio would split the PMD
        assertThat(frames.entireMapcount(head)).as("the PMD stays whole when the split gives up").isEqualTo(1);
        assertThat(frames.pteMapcount(head + 8)).isZero();
        assertThat(frames.order(head + 8)).isEqualTo(PageSize.PMD_ORDER);
        Gup.unpinUserPagesDirtyLock(m.physicalMemory(), pages, 2, false);
        assertThat(m.splitThp(p, a)).isZero();
        assertThat(frames.order(head + 8)).isZero();
        assertThat(frames.refcount(head + 8)).isEqualTo(1);
        assertThat(frames.pteMapcount(head + 8)).isEqualTo(1);
        assertThat(frames.index(head + 8)).isEqualTo(frames.index(head) + 8);
        assertThat(frames.mapping(head + 8)).isEqualTo(frames.mapping(head)).isNotZero();
    }

    @Test
    void deviceFramesAddedAfterBootKeepTheLayout() {
        DevPagemap pgmap = new DevPagemap(DevPagemap.Type.PRIVATE, this, (h, o) -> {});
        int first = phys.memremapPages(pgmap, 2 * PMD_NR);
        assertThat(f.flags(first + PMD_NR)).isEqualTo(PageFlags.ZONE_DEVICE | PageFlags.FREE);
        phys.initDeviceFolio(first + PMD_NR, PageSize.PMD_ORDER);
        f.setMapping(first + PMD_NR, 9, 512);
        assertThat(f.head(first + 2 * PMD_NR - 1)).isEqualTo(first + PMD_NR);
        assertThat(f.index(first + 2 * PMD_NR - 1)).isEqualTo(1023);
        phys.put(first + PMD_NR);
        assertThat(f.flags(first + PMD_NR + 1)).isEqualTo(PageFlags.ZONE_DEVICE | PageFlags.FREE);
        assertThat(f.order(first + PMD_NR + 1)).isZero();
    }

    @Test
    void aFrozenFolioRefusesTryGetAndAFreezeNeedsTheExactCount() {
        int pfn = phys.allocFolio(PageSize.PMD_ORDER);
        phys.get(pfn);
        assertThat(f.refFreeze(pfn, 1)).as("two references: not frozen").isFalse();
        assertThat(f.refcount(pfn)).isEqualTo(2);
        assertThat(f.refFreeze(pfn + 3, 2)).isTrue(); // through any page of the folio
        assertThat(f.refTryGet(pfn)).as("folio_try_get on a frozen folio").isFalse();
        assertThat(f.refcount(pfn)).isZero();
    }
}
