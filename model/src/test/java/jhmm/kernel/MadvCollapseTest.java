package jhmm.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import jhmm.base.Errno;
import jhmm.base.Pattern;
import jhmm.mm.FileInode;
import jhmm.mm.Mman;
import jhmm.mm.PageState;
import org.junit.jupiter.api.Test;

/**
 * MADV_COLLAPSE (mm/khugepaged.c madvise_collapse, collapse_huge_page): which ranges and VMAs it
 * accepts, what each 2 MiB window ends as, and the new PMD taking the VMA's protection. The
 * results were checked against Linux 6.18 with jhmm diff.
 */
class MadvCollapseTest {
    private static final long M2 = MachineFixture.M2;

    private final MachineFixture t = new MachineFixture();

    /** A 2 MiB-aligned private anonymous window with its first page written, then given {@code prot}. */
    private long writtenWindow(int prot) {
        long a = t.anonAligned(t.p, M2, M2);
        assertThat(t.p.write(a, MachineFixture.P, Pattern.i32(0), a)).isZero();
        assertThat(t.p.mprotect(a, M2, prot)).isZero();
        return a;
    }

    @Test
    void collapseOfAProtNoneRangeKeepsItInaccessible() {
        long a = writtenWindow(Mman.PROT_NONE);
        assertThat(t.p.madvise(a, M2, Mman.MADV_COLLAPSE)).isZero();
        assertThat(t.p.read(a, new byte[4], 0, 4)).isEqualTo(-Errno.EFAULT);
        assertThat(t.p.mprotect(a, M2, MachineFixture.RW)).isZero();
        assertThat(t.p.pageState(a)).isEqualTo(PageState.HUGE_PMD);
        MachineFixture.assertReads(t.p, a, MachineFixture.P, Pattern.i32(0), a);
        t.assertCoherent();
    }

    @Test
    void collapseOfAReadOnlyRangeKeepsItReadOnly() {
        long a = writtenWindow(Mman.PROT_READ);
        assertThat(t.p.madvise(a, M2, Mman.MADV_COLLAPSE)).isZero();
        assertThat(t.p.write(a, 4, Pattern.fillByte(1), a)).isEqualTo(-Errno.EFAULT);
        MachineFixture.assertReads(t.p, a, MachineFixture.P, Pattern.i32(0), a);
        t.assertCoherent();
    }

    @Test
    void aCollapseThatGivesUpLeavesPagesItSwappedInUnderProtNoneInaccessible() {
        // collapse swaps pages in through do_swap_page, which maps them with vm_page_prot
        long a = t.anonAligned(t.p, M2, M2);
        long p = MachineFixture.P;
        assertThat(t.p.write(a, 8 * p, Pattern.i32(0), a)).isZero();
        assertThat(t.machine.swapout(t.p, a, p)).isZero();
        int pinned = t.p.frameAt(a + 5 * p);
        t.machine.physicalMemory().pin(pinned); // makes the collapse give up after the swap-in
        assertThat(t.p.mprotect(a, M2, Mman.PROT_NONE)).isZero();
        assertThat(t.p.madvise(a, M2, Mman.MADV_COLLAPSE)).isEqualTo(-Errno.EAGAIN);
        assertThat(t.p.read(a, new byte[4], 0, 4)).isEqualTo(-Errno.EFAULT);
        t.machine.physicalMemory().unpin(pinned);
        assertThat(t.p.mprotect(a, M2, Mman.PROT_READ)).isZero();
        MachineFixture.assertReads(t.p, a, 8 * p, Pattern.i32(0), a);
        t.assertCoherent();
    }

    @Test
    void collapseOfNeverWrittenAnonymousMemoryFailsWithEinval() {
        // no anon_vma yet (reads map the zero page only): the VMA is not eligible
        long a = t.anonAligned(t.p, M2, M2);
        assertThat(t.p.read(a, new byte[4], 0, 4)).isZero();
        assertThat(t.p.madvise(a, M2, Mman.MADV_COLLAPSE)).isEqualTo(-Errno.EINVAL);
        assertThat(t.p.pageState(a)).isEqualTo(PageState.ZERO);
    }

    @Test
    void collapseOfARangeCoveringNoWholeWindowSucceedsWhenItsRoundedEndsMeet() {
        long a = writtenWindow(MachineFixture.RW);
        long p = MachineFixture.P;
        assertThat(t.p.madvise(a, 3 * p, Mman.MADV_COLLAPSE)).isZero();
        assertThat(t.p.madvise(a + 100 * p, M2 - 100 * p, Mman.MADV_COLLAPSE)).isZero();
        assertThat(t.p.pageState(a)).isEqualTo(PageState.PRESENT_RW); // nothing was collapsed
    }

    @Test
    void collapseOfARangeInsideOneWindowWithUnalignedEndsFailsWithEinval() {
        long a = writtenWindow(MachineFixture.RW);
        long p = MachineFixture.P;
        assertThat(t.p.madvise(a + p, 4 * p, Mman.MADV_COLLAPSE)).isEqualTo(-Errno.EINVAL);
    }

    @Test
    void collapseOfAVmaTooSmallForAWindowFailsWithEinval() {
        long a = t.anon(t.p, 8 * MachineFixture.P, MachineFixture.RW);
        assertThat(t.p.write(a, MachineFixture.P, Pattern.i32(0), a)).isZero();
        assertThat(t.p.madvise(a, 0, Mman.MADV_COLLAPSE)).isZero(); // len 0: nothing to do
        assertThat(t.p.madvise(a, 8 * MachineFixture.P, Mman.MADV_COLLAPSE)).isEqualTo(-Errno.EINVAL);
    }

    @Test
    void collapseStopsWithEinvalAtAWindowWithoutPageTable() {
        long a = t.anonAligned(t.p, 2 * M2, M2);
        assertThat(t.p.write(a + M2, MachineFixture.P, Pattern.i32(0), a)).isZero();
        assertThat(t.p.madvise(a, 2 * M2, Mman.MADV_COLLAPSE)).isEqualTo(-Errno.EINVAL);
        assertThat(t.p.pageState(a + M2)).isEqualTo(PageState.PRESENT_RW); // the second window was not tried
    }

    @Test
    void windowsCollapsedBeforeAFailingOneStayHuge() {
        long a = t.anonAligned(t.p, 2 * M2, M2);
        assertThat(t.p.write(a, MachineFixture.P, Pattern.i32(0), a)).isZero();
        assertThat(t.p.madvise(a, 2 * M2, Mman.MADV_COLLAPSE)).isEqualTo(-Errno.EINVAL);
        assertThat(t.p.pageState(a)).isEqualTo(PageState.HUGE_PMD);
        assertThat(t.p.pageState(a + M2)).isEqualTo(PageState.NONE);
        t.assertCoherent();
    }

    @Test
    void collapseOfZeroPagePtesMakesAThpOfZeros() {
        // max_ptes_none does not apply to MADV_COLLAPSE: one written page is enough
        long a = t.anonAligned(t.p, 2 * M2, M2);
        assertThat(t.p.write(a, MachineFixture.P, Pattern.i32(0), a)).isZero();
        assertThat(t.p.read(a + M2, new byte[4], 0, 4)).isZero();
        assertThat(t.p.madvise(a + M2, M2, Mman.MADV_COLLAPSE)).isZero();
        assertThat(t.p.pageState(a + M2)).isEqualTo(PageState.HUGE_PMD);
        assertThat(t.p.frameAt(a + M2)).isNotEqualTo(-1); // a real THP, not the huge zero page
        MachineFixture.assertReads(t.p, a + M2, M2, Pattern.ZERO, a + M2);
        t.assertCoherent();
    }

    @Test
    void collapseOfHugeZeroPmdKeepsIt() {
        long a = t.anonAligned(t.p, M2, M2);
        assertThat(t.p.madvise(a, M2, Mman.MADV_HUGEPAGE)).isZero();
        assertThat(t.p.read(a, new byte[4], 0, 4)).isZero(); // the huge zero page, and an anon_vma
        assertThat(t.p.madvise(a, M2, Mman.MADV_COLLAPSE)).isZero();
        assertThat(t.p.pageState(a)).isEqualTo(PageState.HUGE_PMD);
        assertThat(t.p.frameAt(a)).isEqualTo(-1); // still the huge zero page
        t.assertCoherent();
    }

    @Test
    void collapseOfFileMappingFailsWithEinval() {
        // ext4 page cache collapses only with CONFIG_READ_ONLY_THP_FOR_FS, off in Linux 6.18 defaults
        FileInode f = t.machine.createFile("f", M2, Pattern.i32(0));
        long a = t.p.mmapAligned(M2, M2, MachineFixture.RW, Mman.MAP_PRIVATE, f, 0);
        assertThat(t.p.write(a, MachineFixture.P, Pattern.i32(0), a)).isZero();
        assertThat(t.p.madvise(a, M2, Mman.MADV_COLLAPSE)).isEqualTo(-Errno.EINVAL);
    }

    @Test
    void dontneedOfPartOfAWindowKeepsItsEmptyPteTableSoCollapseMakesAZeroThp() {
        long a = t.anonAligned(t.p, 2 * M2, M2);
        assertThat(t.p.write(a, MachineFixture.P, Pattern.i32(0), a)).isZero();
        assertThat(t.p.write(a + M2, MachineFixture.P, Pattern.i32(0), a)).isZero();
        // 2 MiB straddling both windows empties the second one's table without zapping it whole
        assertThat(t.p.madvise(a + M2 / 2, M2, Mman.MADV_DONTNEED)).isZero();
        assertThat(t.p.madvise(a + M2, M2, Mman.MADV_COLLAPSE)).isZero();
        assertThat(t.p.pageState(a + M2)).isEqualTo(PageState.HUGE_PMD);
        MachineFixture.assertReads(t.p, a + M2, M2, Pattern.ZERO, a);
        t.assertCoherent();
    }

    @Test
    void dontneedOfAWholeWindowFreesItsPteTableSoCollapseFailsWithEinval() {
        long a = t.anonAligned(t.p, 2 * M2, M2);
        assertThat(t.p.write(a, MachineFixture.P, Pattern.i32(0), a)).isZero();
        assertThat(t.p.madvise(a, M2, Mman.MADV_DONTNEED)).isZero();
        assertThat(t.p.madvise(a, M2, Mman.MADV_COLLAPSE)).isEqualTo(-Errno.EINVAL);
    }
}
