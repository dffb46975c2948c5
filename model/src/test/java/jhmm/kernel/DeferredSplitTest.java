package jhmm.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import jhmm.base.Pattern;
import jhmm.gup.Gup;
import jhmm.gup.Foll;
import jhmm.mm.Mman;
import jhmm.mm.PageState;
import jhmm.mm.ThpMode;
import jhmm.phys.PageFlags;
import jhmm.phys.PageFrames;
import jhmm.phys.PhysicalMemory;
import org.junit.jupiter.api.Test;

/**
 * A THP that loses part of its mappings keeps its folio large: only the PMD of the process
 * that unmapped is split, the folio is queued for a deferred split, and only memory pressure,
 * migration, reclaim or an explicit split breaks it up.
 */
class DeferredSplitTest {
    private static final long P = MachineFixture.P;
    private static final long M2 = MachineFixture.M2;

    /** Small, so that memory pressure is cheap to make. */
    private final MachineFixture t =
            new MachineFixture(MachineConfig.defaults().withRam(16L << 20).withSwap(16L << 20).withThp(ThpMode.ALWAYS));
    private final long a = t.anonAligned(t.p, M2, M2);

    DeferredSplitTest() {
        assertThat(t.p.write(a, M2, Pattern.i32(0), a)).isZero();
        assertThat(t.p.pageState(a)).isEqualTo(PageState.HUGE_PMD);
    }

    private PhysicalMemory phys() {
        return t.machine.physicalMemory();
    }

    private boolean large(UserProcess p, long addr) {
        return phys().frames().isLarge(p.frameAt(addr));
    }

    private boolean queued(UserProcess p, long addr) {
        PageFrames f = phys().frames();
        return phys().deferredSplit().contains(f.head(p.frameAt(addr)));
    }

    @Test
    void childPartialMunmapOfThpKeepsParentPmd() {
        UserProcess child = t.p.fork("c");
        assertThat(child.munmap(a + P, P)).isZero();
        assertThat(t.p.pageState(a)).isEqualTo(PageState.HUGE_PMD);
        assertThat(large(child, a)).isTrue();
        assertThat(queued(child, a)).as("the parent's PMD still maps every page").isFalse();
        MachineFixture.assertReads(t.p, a, M2, Pattern.i32(0), a);
        MachineFixture.assertReads(child, a, P, Pattern.i32(0), a);
        assertThat(t.machine.stats().thpSplitPage.get()).isZero();
        t.assertCoherent();
    }

    @Test
    void munmapOfOnePageKeepsTheThpLargeAndQueuesItForADeferredSplit() {
        assertThat(t.p.munmap(a + P, P)).isZero();
        assertThat(t.p.pageState(a)).isEqualTo(PageState.PRESENT_RW);
        assertThat(large(t.p, a)).isTrue();
        assertThat(queued(t.p, a)).isTrue();
        assertThat(t.p.mm().rss()).isEqualTo(511);
        assertThat(t.machine.stats().thpSplitPage.get()).isZero();
        t.assertCoherent();
    }

    @Test
    void madviseDontneedOfPartOfAThpKeepsItLarge() {
        assertThat(t.p.madvise(a + 5 * P, 3 * P, Mman.MADV_DONTNEED)).isZero();
        assertThat(t.p.pageState(a + 5 * P)).isEqualTo(PageState.NONE);
        assertThat(large(t.p, a)).isTrue();
        assertThat(queued(t.p, a)).isTrue();
        t.assertCoherent();
    }

    @Test
    void refaultOfAnUnmappedPageOfAPartlyMappedThpGetsANewSmallPage() {
        assertThat(t.p.madvise(a + 5 * P, P, Mman.MADV_DONTNEED)).isZero();
        assertThat(t.p.write(a + 5 * P, P, Pattern.fillByte(7), a)).isZero();
        assertThat(large(t.p, a + 5 * P)).isFalse();
        assertThat(large(t.p, a + 6 * P)).isTrue();
        MachineFixture.assertReads(t.p, a + 5 * P, P, Pattern.fillByte(7), a);
        t.assertCoherent();
    }

    @Test
    void cowOfAPageOfAPartlyMappedThpCopiesOnlyThatPage() {
        assertThat(t.p.munmap(a, P)).isZero();
        UserProcess child = t.p.fork("c");
        assertThat(child.write(a + 2 * P, P, Pattern.fillByte(1), a)).isZero();
        assertThat(large(child, a + 2 * P)).isFalse();
        assertThat(large(child, a + 3 * P)).isTrue();
        MachineFixture.assertReads(t.p, a + P, M2 - P, Pattern.i32(0), a);
        child.exit();
        assertThat(queued(t.p, a + P)).isTrue();
        t.assertCoherent();
    }

    @Test
    void writeToAPartlyMappedThpNoLongerSharedReusesItsPage() {
        assertThat(t.p.munmap(a + P, P)).isZero();
        t.p.fork("c").exit();
        int before = t.p.frameAt(a + 2 * P);
        assertThat(t.p.write(a + 2 * P, P, Pattern.fillByte(3), a)).isZero();
        assertThat(t.p.frameAt(a + 2 * P)).as("the write reuses the page: the child is gone").isEqualTo(before);
        assertThat(t.machine.stats().cowCopies.get()).isZero();
        MachineFixture.assertReads(t.p, a + 2 * P, P, Pattern.fillByte(3), a);
        t.assertCoherent();
    }

    @Test
    void parentExitAfterChildCowLeavesTheChildsThpPartlyMapped() {
        UserProcess child = t.p.fork("c");
        assertThat(child.write(a, P, Pattern.fillByte(1), a)).isZero();
        assertThat(queued(child, a + P)).as("the parent's PMD maps it whole").isFalse();
        t.p.exit();
        assertThat(queued(child, a + P)).isTrue();
        MachineFixture.assertReads(child, a + P, M2 - P, Pattern.i32(0), a);
        t.assertCoherent();
    }

    @Test
    void memoryPressureSplitsAPartlyMappedThpAndFreesItsUnmappedPages() {
        assertThat(t.p.munmap(a + M2 / 2, M2 / 2)).isZero();
        long free = phys().buddy().freePages();
        long b = t.anon(t.p, (free + 64) * P, MachineFixture.RW);
        assertThat(t.p.madvise(b, (free + 64) * P, Mman.MADV_NOHUGEPAGE)).isZero();
        assertThat(t.p.write(b, (free + 64) * P, Pattern.fillByte(2), b)).as("fits only with the unmapped half back").isZero();
        assertThat(t.machine.stats().thpSplitPage.get()).isEqualTo(1);
        assertThat(large(t.p, a)).isFalse();
        assertThat(phys().deferredSplit().snapshot()).isEmpty();
        MachineFixture.assertReads(t.p, a, M2 / 2, Pattern.i32(0), a);
        t.assertCoherent();
    }

    @Test
    void splitThpOfAPartlyMappedThpFreesItsUnmappedPages() {
        assertThat(t.p.munmap(a + P, 2 * P)).isZero();
        long free = phys().buddy().freePages();
        assertThat(t.machine.splitThp(t.p, a)).isZero();
        assertThat(phys().buddy().freePages()).isEqualTo(free + 2);
        assertThat(large(t.p, a)).isFalse();
        assertThat(phys().deferredSplit().snapshot()).isEmpty();
        MachineFixture.assertReads(t.p, a + 3 * P, M2 - 3 * P, Pattern.i32(0), a);
        t.assertCoherent();
    }

    @Test
    void migrationSplitsAPartlyMappedThpAndMovesItsMappedPages() {
        assertThat(t.p.munmap(a + P, P)).isZero();
        int before = t.p.frameAt(a + 2 * P);
        assertThat(t.machine.migrate(t.p, a, M2)).isZero();
        assertThat(t.p.frameAt(a + 2 * P)).isNotEqualTo(before);
        assertThat(large(t.p, a)).isFalse();
        MachineFixture.assertReads(t.p, a + 2 * P, M2 - 2 * P, Pattern.i32(0), a);
        t.assertCoherent();
    }

    @Test
    void compactionSplitsAPartlyMappedThpRatherThanMoveItWhole() {
        assertThat(t.p.munmap(a + P, P)).isZero();
        assertThat(large(t.p, a)).isTrue();
        t.machine.compact();
        assertThat(large(t.p, a)).isFalse();
        assertThat(phys().deferredSplit().snapshot()).isEmpty();
        MachineFixture.assertReads(t.p, a + 2 * P, M2 - 2 * P, Pattern.i32(0), a);
        t.assertCoherent();
    }

    @Test
    void swapoutOfAPartlyMappedThpSwapsItsMappedPages() {
        assertThat(t.p.munmap(a + P, P)).isZero();
        assertThat(t.machine.swapout(t.p, a, M2)).isZero();
        assertThat(t.p.pageState(a + 2 * P)).isEqualTo(PageState.SWAP);
        assertThat(t.p.mm().rss()).isZero();
        MachineFixture.assertReads(t.p, a + 2 * P, M2 - 2 * P, Pattern.i32(0), a);
        t.assertCoherent();
    }

    @Test
    void aPinnedPartlyMappedThpResistsTheShrinkerAndStaysQueued() {
        assertThat(t.p.munmap(a + P, P)).isZero();
        int[] pages = new int[1];
        assertThat(Gup.pinUserPages(t.p.mm(), a + 2 * P, 1, Foll.WRITE, pages)).isEqualTo(1);
        assertThat(t.machine.splitThp(t.p, a)).isNegative();
        assertThat(queued(t.p, a)).isTrue();
        t.assertCoherent();
        Gup.unpinUserPage(phys(), pages[0]);
    }

    @Test
    void unmappingTheRestFreesAPartlyMappedThpAndTakesItOffTheQueue() {
        long free = phys().buddy().freePages();
        assertThat(t.p.munmap(a + P, P)).isZero();
        assertThat(t.p.munmap(a, M2)).isZero();
        assertThat(phys().buddy().freePages()).isEqualTo(free + 512);
        assertThat(phys().deferredSplit().snapshot()).isEmpty();
        t.assertCoherent();
    }

    @Test
    void madviseFreeOfPartOfAThpSplitsItAndFreesOnlyThatPart() {
        assertThat(t.p.madvise(a + P, 2 * P, Mman.MADV_FREE)).isZero();
        assertThat(large(t.p, a)).isFalse();
        PageFrames f = phys().frames();
        assertThat(f.test(t.p.frameAt(a + P), PageFlags.SWAPBACKED)).as("lazily freed").isFalse();
        assertThat(f.test(t.p.frameAt(a + 3 * P), PageFlags.SWAPBACKED)).as("outside the range").isTrue();
        t.assertCoherent();
    }

    @Test
    void madvisePageoutOfPartOfAThpReclaimsOnlyThatPart() {
        assertThat(t.p.madvise(a + 8 * P, 2 * P, Mman.MADV_PAGEOUT)).isZero();
        assertThat(t.p.pageState(a + 8 * P)).isEqualTo(PageState.SWAP);
        assertThat(t.p.pageState(a + 10 * P)).isEqualTo(PageState.PRESENT_RW);
        assertThat(t.p.mm().rss()).isEqualTo(510);
        MachineFixture.assertReads(t.p, a, M2, Pattern.i32(0), a);
        t.assertCoherent();
    }

    @Test
    void checkerReportsAPartlyMappedThpMissingFromTheDeferredSplitQueue() {
        assertThat(t.p.munmap(a + P, P)).isZero();
        phys().deferredSplit().remove(phys().frames().head(t.p.frameAt(a)));
        assertThat(t.machine.checkInvariants()).anyMatch(s -> s.contains("waits for no deferred split"));
    }
}
