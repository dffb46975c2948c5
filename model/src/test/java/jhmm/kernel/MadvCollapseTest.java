package jhmm.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import jhmm.base.Errno;
import jhmm.base.Pattern;
import jhmm.mm.Mman;
import jhmm.mm.PageState;
import org.junit.jupiter.api.Test;

/** MADV_COLLAPSE (mm/khugepaged.c collapse_huge_page): the new PMD takes the VMA's protection. */
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
}
