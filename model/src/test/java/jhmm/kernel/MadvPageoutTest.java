package jhmm.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import jhmm.base.Pattern;
import jhmm.mm.FileInode;
import jhmm.mm.Mman;
import jhmm.mm.PageState;
import org.junit.jupiter.api.Test;

/** MADV_PAGEOUT (mm/madvise.c, reclaim_pages) as Linux 6.18 does it with no swap. */
class MadvPageoutTest {
    private static final long P = MachineFixture.P;
    /** Files written in 1 MiB calls: ext4 caches them in large folios, which pageout acts on whole. */
    private static final long LARGE_WRITES = 1L << 20;
    private static final int RW = MachineFixture.RW;

    private final MachineFixture t = new MachineFixture(MachineConfig.defaults().withRam(64L << 20));
    /** The same machine with THP on madvise, no swap. */
    private final MachineFixture thpNoSwap = new MachineFixture(MachineConfig.defaults().withRam(64L << 20).withThp(jhmm.mm.ThpMode.MADVISE));

    @Test
    void pageoutOfPartOfAHugeZeroPmdLeavesItMapped() {
        MachineFixture thp = MachineFixture.withThp(jhmm.mm.ThpMode.MADVISE);
        long a = thp.anonAligned(thp.p, 2 * MachineFixture.M2, MachineFixture.M2);
        assertThat(thp.p.madvise(a, 2 * MachineFixture.M2, Mman.MADV_HUGEPAGE)).isZero();
        MachineFixture.assertReads(thp.p, a, P, Pattern.ZERO, a);
        assertThat(thp.p.pageState(a)).isEqualTo(PageState.HUGE_PMD);
        assertThat(thp.p.madvise(a + 100 * P, 50 * P, Mman.MADV_PAGEOUT)).isZero();
        assertThat(thp.p.pageState(a + 120 * P)).as("madvise_cold_or_pageout skips the huge zero PMD").isEqualTo(PageState.HUGE_PMD);
        assertThat(thp.p.madvise(a + 100 * P, 50 * P, Mman.MADV_FREE)).isZero();
        assertThat(thp.p.pageState(a)).as("so does MADV_FREE").isEqualTo(PageState.HUGE_PMD);
        thp.assertCoherent();
    }

    @Test
    void freeAndPageoutOfPartOfAThpSharedAfterForkLeaveItsPmdWhole() {
        MachineFixture thp = MachineFixture.withThp(jhmm.mm.ThpMode.MADVISE);
        long a = thp.anonAligned(thp.p, MachineFixture.M2, MachineFixture.M2);
        assertThat(thp.p.madvise(a, MachineFixture.M2, Mman.MADV_HUGEPAGE)).isZero();
        assertThat(thp.p.write(a, P, Pattern.i32(0), a)).isZero();
        thp.p.fork("c");
        assertThat(thp.p.madvise(a, P, Mman.MADV_FREE)).isZero();
        assertThat(thp.p.pageState(a)).as("folio_maybe_mapped_shared: skipped").isEqualTo(PageState.HUGE_PMD);
        assertThat(thp.p.madvise(a + P, P, Mman.MADV_PAGEOUT)).isZero();
        assertThat(thp.p.pageState(a + P)).isEqualTo(PageState.HUGE_PMD);
        thp.assertCoherent();
    }

    @Test
    void pageoutDropsShmemPagesThatWereOnlyRead() {
        long a = t.p.mmap(0, 2 * P, Mman.PROT_READ, Mman.MAP_SHARED | Mman.MAP_ANONYMOUS | Mman.MAP_POPULATE, null, 0);
        assertThat(t.p.madvise(a, 2 * P, Mman.MADV_PAGEOUT)).isZero();
        assertThat(t.p.pageState(a)).isEqualTo(PageState.NONE);
        MachineFixture.assertReads(t.p, a, P, Pattern.ZERO, a);
        assertThat(t.p.pageState(a + P)).as("dropped: nothing cached to fault around").isEqualTo(PageState.NONE);
        t.assertCoherent();
    }

    @Test
    void pageoutUnmapsShmemButKeepsItCached() {
        long a = t.p.mmap(0, 4 * P, RW, Mman.MAP_SHARED | Mman.MAP_ANONYMOUS, null, 0);
        assertThat(t.p.write(a, 4 * P, Pattern.i32(0), a)).isZero();
        int frame = t.p.frameAt(a + P);
        assertThat(t.p.madvise(a + P, 2 * P, Mman.MADV_PAGEOUT)).isZero();
        assertThat(t.p.pageState(a)).isEqualTo(PageState.PRESENT_RW);
        assertThat(t.p.pageState(a + P)).isEqualTo(PageState.NONE);
        assertThat(t.p.pageState(a + 2 * P)).isEqualTo(PageState.NONE);
        MachineFixture.assertReads(t.p, a, 4 * P, Pattern.i32(0), a);
        assertThat(t.p.frameAt(a + P)).as("the same shmem page maps back").isEqualTo(frame);
        t.assertCoherent();
    }

    @Test
    void pageoutUnmapsDirtyFilePagesButKeepsThemCached() {
        FileInode f = t.machine.createFile("f", 4 * P, Pattern.i32(0), false, LARGE_WRITES);
        long a = t.p.mmap(0, 4 * P, RW, Mman.MAP_SHARED, f, 0);
        MachineFixture.assertReads(t.p, a, 4 * P, Pattern.i32(0), a);
        assertThat(t.p.write(a + P, P, Pattern.fillByte(7), a)).isZero();
        assertThat(t.p.madvise(a, 4 * P, Mman.MADV_PAGEOUT)).isZero();
        for (int i = 0; i < 4; i++) {
            assertThat(t.p.pageState(a + i * P)).isEqualTo(PageState.NONE);
        }
        for (int i = 0; i < 4; i++) {
            assertThat(f.cachedPfn(i)).as("page %d of the dirty folio: not written back, still cached", i).isNotNegative();
        }
        MachineFixture.assertReads(t.p, a + P, P, Pattern.fillByte(7), a);
        t.assertCoherent();
    }

    /** An 8-page file: its page cache is one 8-page folio, as one write() call leaves it. */
    private long mapWholeFile(UserProcess proc, FileInode f) {
        long a = proc.mmap(0, 8 * P, Mman.PROT_READ, Mman.MAP_PRIVATE, f, 0);
        MachineFixture.assertReads(proc, a, 8 * P, Pattern.i32(0), a);
        return a;
    }

    @Test
    void pageoutSplitsAPartlyCoveredFileFolioUnmappingAllOfIt() {
        FileInode f = t.machine.createFile("f", 8 * P, Pattern.i32(0), false, LARGE_WRITES);
        long a = mapWholeFile(t.p, f);
        assertThat(t.p.madvise(a + P, 6 * P, Mman.MADV_PAGEOUT)).isZero();
        for (int i = 0; i < 8; i++) {
            assertThat(t.p.pageState(a + i * P)).as("page %d", i).isEqualTo(PageState.NONE);
            assertThat(f.cachedPfn(i)).as("a split drops nothing").isNotNegative();
        }
        MachineFixture.assertReads(t.p, a, 8 * P, Pattern.i32(0), a);
        t.assertCoherent();
    }

    @Test
    void pageoutSkipsAFileFolioAnotherProcessMapsAPageOf() {
        FileInode f = t.machine.createFile("f", 8 * P, Pattern.i32(0), false, LARGE_WRITES);
        UserProcess q = t.machine.createProcess("q");
        long last = q.mmap(0, P, Mman.PROT_READ, Mman.MAP_SHARED, f, 7 * P);
        MachineFixture.assertReads(q, last, P, Pattern.i32(7 * 1024), last);
        long a = mapWholeFile(t.p, f);
        assertThat(t.p.madvise(a + P, 2 * P, Mman.MADV_PAGEOUT)).isZero();
        assertThat(t.p.madvise(a, 8 * P, Mman.MADV_PAGEOUT)).isZero();
        for (int i = 0; i < 8; i++) {
            assertThat(t.p.pageState(a + i * P)).as("page %d", i).isEqualTo(PageState.PRESENT_RO);
        }
        t.assertCoherent();
    }

    @Test
    void pageoutDropsAWholeFileFolioAndItComesBackInSmallOnes() {
        FileInode f = t.machine.createFile("f", 8 * P, Pattern.i32(0), false, LARGE_WRITES);
        long a = mapWholeFile(t.p, f);
        assertThat(t.p.madvise(a, 8 * P, Mman.MADV_PAGEOUT)).isZero();
        assertThat(f.cachedPfn(0)).isNegative();
        MachineFixture.assertReads(t.p, a, 8 * P, Pattern.i32(0), a);
        assertThat(t.p.madvise(a + P, P, Mman.MADV_PAGEOUT)).isZero();
        assertThat(t.p.pageState(a)).as("a small folio: nothing to split").isEqualTo(PageState.PRESENT_RO);
        assertThat(t.p.pageState(a + P)).isEqualTo(PageState.NONE);
        assertThat(f.cachedPfn(1)).isNegative();
        t.assertCoherent();
    }

    @Test
    void pageoutSplitsAnAnonThpWithoutSwapMappingItsZeroFilledPagesToTheZeroPage() {
        MachineFixture thp = new MachineFixture(MachineConfig.defaults().withRam(64L << 20).withThp(jhmm.mm.ThpMode.ALWAYS));
        long a = thp.anonAligned(thp.p, MachineFixture.M2, MachineFixture.M2);
        assertThat(thp.p.write(a, 4 * P, Pattern.i32(0), a)).isZero();
        assertThat(thp.p.pageState(a)).isEqualTo(PageState.HUGE_PMD);
        assertThat(thp.p.madvise(a, MachineFixture.M2, Mman.MADV_PAGEOUT)).isZero();
        assertThat(thp.p.pageState(a + 3 * P)).isEqualTo(PageState.PRESENT_RW);
        assertThat(thp.p.pageState(a + 4 * P)).isEqualTo(PageState.ZERO);
        assertThat(thp.p.pageState(a + MachineFixture.M2 - P)).isEqualTo(PageState.ZERO);
        MachineFixture.assertReads(thp.p, a, 4 * P, Pattern.i32(0), a);
        thp.assertCoherent();
    }

    @Test
    void pageoutOfAHugetlbMappingIsEinval() {
        MachineFixture h = new MachineFixture(MachineConfig.defaults().withRam(64L << 20).withHugetlb(2, 0));
        long a = h.p.mmap(0, MachineFixture.M2, RW, Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS | Mman.MAP_HUGETLB, null, 0);
        assertThat(h.p.write(a, P, Pattern.i32(0), a)).isZero();
        assertThat(h.p.madvise(a, MachineFixture.M2, Mman.MADV_PAGEOUT)).isEqualTo(-jhmm.base.Errno.EINVAL);
        assertThat(h.p.pageState(a)).isEqualTo(PageState.HUGE_PMD);
        h.assertCoherent();
    }

    @Test
    void pageoutDoesNotSplitADirtyFileFolio() {
        FileInode f = t.machine.createFile("f", 8 * P, Pattern.i32(0), false, LARGE_WRITES);
        long a = t.p.mmap(0, 8 * P, RW, Mman.MAP_SHARED, f, 0);
        assertThat(t.p.write(a + 5 * P, P, Pattern.fillByte(3), a)).isZero();
        MachineFixture.assertReads(t.p, a, 4 * P, Pattern.i32(0), a);
        assertThat(t.p.madvise(a + P, 2 * P, Mman.MADV_PAGEOUT)).isZero();
        for (int i = 0; i < 4; i++) {
            assertThat(t.p.pageState(a + i * P)).as("page %d", i).isEqualTo(PageState.PRESENT_RO);
        }
        assertThat(t.p.pageState(a + 5 * P)).isEqualTo(PageState.PRESENT_RW);
        t.assertCoherent();
    }

    @Test
    void pageoutSplitsAFileFolioThisProcessAloneMapsTwice() {
        FileInode f = t.machine.createFile("f", 8 * P, Pattern.i32(0), false, LARGE_WRITES);
        long a = mapWholeFile(t.p, f);
        long b = mapWholeFile(t.p, f);
        assertThat(t.p.madvise(a + P, 2 * P, Mman.MADV_PAGEOUT)).isZero();
        for (int i = 0; i < 8; i++) {
            assertThat(t.p.pageState(a + i * P)).as("page %d", i).isEqualTo(PageState.NONE);
            assertThat(t.p.pageState(b + i * P)).as("page %d of the other mapping", i).isEqualTo(PageState.NONE);
        }
        t.assertCoherent();
    }

    @Test
    void pageoutLeavesAPartlyMappedThpThatTwoProcessesMapWhole() {
        // folio_maybe_mapped_shared follows the processes mapping a large folio, not its mapcount
        long m2 = MachineFixture.M2;
        long a = writtenThps(thpNoSwap, 2 * m2);
        assertThat(thpNoSwap.p.mremap(a, 2 * m2, m2 + 35 * P, 0)).isEqualTo(a); // the second THP keeps 35 mapped pages
        UserProcess c = thpNoSwap.p.fork("c");
        int pfn = thpNoSwap.p.frameAt(a + m2);
        assertThat(c.madvise(a, m2 + 35 * P, Mman.MADV_PAGEOUT)).isZero();
        assertThat(thpNoSwap.machine.physicalMemory().frames().isLarge(pfn)).as("not split").isTrue();
        assertThat(thpNoSwap.p.frameAt(a + m2)).isEqualTo(pfn);
        thpNoSwap.assertCoherent();
    }

    @Test
    void freeSplitsAThpThatStraddlesTwoPageTablesThoughItCoversItWhole() {
        long m2 = MachineFixture.M2;
        long a = writtenThps(thpNoSwap, m2);
        long b = thpNoSwap.p.mremap(a, m2, m2, Mman.MREMAP_MAYMOVE | Mman.MREMAP_FIXED, a + 2 * m2 + P);
        assertThat(b).isEqualTo(a + 2 * m2 + P);
        assertThat(thpNoSwap.machine.physicalMemory().frames().isLarge(thpNoSwap.p.frameAt(b))).isTrue();
        assertThat(thpNoSwap.p.madvise(b, m2, Mman.MADV_FREE)).isZero();
        assertThat(thpNoSwap.machine.physicalMemory().frames().isLarge(thpNoSwap.p.frameAt(b))).as("split").isFalse();
        MachineFixture.assertReads(thpNoSwap.p, b, m2, Pattern.i32(0), b); // the pages moved with their data
        thpNoSwap.assertCoherent();
    }

    @Test
    void pageoutOfALazyFreeThpKeepsItWholeWhenRedirtiedAndDiscardsItWholeWhenNot() {
        long m2 = MachineFixture.M2;
        long a = writtenThps(thpNoSwap, 2 * m2);
        assertThat(thpNoSwap.p.madvise(a, 2 * m2, Mman.MADV_FREE)).isZero();
        assertThat(thpNoSwap.p.write(a + 5 * P, P, Pattern.i32(0), a)).isZero(); // re-dirties the first THP only
        int kept = thpNoSwap.p.frameAt(a);
        assertThat(thpNoSwap.p.madvise(a, 2 * m2, Mman.MADV_PAGEOUT)).isZero();
        assertThat(thpNoSwap.p.pageState(a)).as("PMD split, PTEs put back").isEqualTo(PageState.PRESENT_RW);
        assertThat(thpNoSwap.machine.physicalMemory().frames().isLarge(kept)).as("folio not split").isTrue();
        MachineFixture.assertReads(thpNoSwap.p, a, m2, Pattern.i32(0), a);
        assertThat(thpNoSwap.p.pageState(a + m2)).as("clean: discarded whole").isEqualTo(PageState.NONE);
        thpNoSwap.assertCoherent();
    }

    @Test
    void freeMarksACleanPageThatAForkedProcessAlsoMapsAndPageoutDiscardsItOnceAlone() {
        long a = t.p.mmap(0, 8 * P, RW, Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS | Mman.MAP_POPULATE, null, 0);
        UserProcess c = t.p.fork("c");
        assertThat(c.madvise(a + 4 * P, P, Mman.MADV_FREE)).isZero();
        assertThat(t.p.munmap(a, 8 * P)).isZero(); // the parent's dirty PTEs go without dirtying the anonymous folio
        assertThat(c.madvise(a, 8 * P, Mman.MADV_PAGEOUT)).isZero();
        assertThat(c.pageState(a + 4 * P)).isEqualTo(PageState.NONE);
        assertThat(c.pageState(a + 3 * P)).isEqualTo(PageState.PRESENT_RO); // kept, still write-protected for COW
        t.assertCoherent();
    }

    /** {@code len} of 2 MiB-aligned, hugepage-advised memory in {@code thp}'s process, written through: THPs. */
    private static long writtenThps(MachineFixture thp, long len) {
        long a = thp.anonAligned(thp.p, len, MachineFixture.M2);
        assertThat(thp.p.madvise(a, len, Mman.MADV_HUGEPAGE)).isZero();
        assertThat(thp.p.write(a, len, Pattern.i32(0), a)).isZero();
        return a;
    }
}
