package jhmm.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import jhmm.base.Errno;
import jhmm.base.Pattern;
import jhmm.mm.Mman;
import jhmm.mm.PageState;
import jhmm.mm.ThpMode;
import org.junit.jupiter.api.Test;

/** Transparent huge pages (mm/huge_memory.c, khugepaged). */
class ThpTest {
    private static final long P = MachineFixture.P;
    private static final long M2 = MachineFixture.M2;

    @Test
    void writeFaultInAnAlignedWindowMapsAThpWhenEnabledAlways() {
        MachineFixture t = MachineFixture.withThp(ThpMode.ALWAYS);
        long a = t.anonAligned(t.p, 2 * M2, M2);
        t.p.write(a, 4, Pattern.fillByte(1), a);
        assertThat(t.p.pageState(a)).isEqualTo(PageState.HUGE_PMD);
        assertThat(t.machine.stats().thpFaultAlloc.get()).isEqualTo(1);
        t.assertCoherent();
    }

    @Test
    void madviseModeNeedsMadvHugepage() {
        MachineFixture t = MachineFixture.withThp(ThpMode.MADVISE);
        long a = t.anonAligned(t.p, M2, M2);
        t.p.write(a, 4, Pattern.fillByte(1), a);
        assertThat(t.p.pageState(a)).isEqualTo(PageState.PRESENT_RW);
        long b = t.anonAligned(t.p, M2, M2);
        assertThat(t.p.madvise(b, M2, Mman.MADV_HUGEPAGE)).isZero();
        t.p.write(b, 4, Pattern.fillByte(1), b);
        assertThat(t.p.pageState(b)).isEqualTo(PageState.HUGE_PMD);
    }

    @Test
    void readFaultMapsTheHugeZeroPageAndAWriteReplacesItWithAThp() {
        MachineFixture t = MachineFixture.withThp(ThpMode.ALWAYS);
        long a = t.anonAligned(t.p, M2, M2);
        MachineFixture.assertReads(t.p, a, P, Pattern.ZERO, a);
        assertThat(t.p.pageState(a)).isEqualTo(PageState.HUGE_PMD);
        assertThat(t.p.frameAt(a)).isEqualTo(-1); // the huge zero page is special
        t.p.write(a + P, 4, Pattern.fillByte(3), a);
        assertThat(t.p.pageState(a)).isEqualTo(PageState.HUGE_PMD);
        assertThat(t.p.frameAt(a)).isPositive();
        t.assertCoherent();
    }

    @Test
    void munmapInTheMiddleOfAThpSplitsItsPmdAndLeavesTheRestMapped() {
        MachineFixture t = MachineFixture.withThp(ThpMode.ALWAYS);
        long a = t.anonAligned(t.p, M2, M2);
        t.p.write(a, M2, Pattern.i32(0), a);
        assertThat(t.p.munmap(a + 100 * P, 10 * P)).isZero();
        assertThat(t.p.pageState(a)).isEqualTo(PageState.PRESENT_RW);
        assertThat(t.p.pageState(a + 100 * P)).isEqualTo(PageState.NONE);
        MachineFixture.assertReads(t.p, a, 100 * P, Pattern.i32(0), a);
        MachineFixture.assertReads(t.p, a + 110 * P, M2 - 110 * P, Pattern.i32(0), a);
        byte[] b = new byte[4];
        assertThat(t.p.read(a + 100 * P, b, 0, 4)).isEqualTo(-Errno.EFAULT);
        assertThat(t.machine.stats().thpSplitPmd.get()).isEqualTo(1);
        // the folio stays large, partly mapped, until memory pressure splits it (as Linux 6.18 shows)
        assertThat(t.machine.stats().thpSplitPage.get()).isZero();
        t.assertCoherent();
    }

    @Test
    void mprotectInTheMiddleOfAThpSplitsTheVmaAndTheMapping() {
        MachineFixture t = MachineFixture.withThp(ThpMode.ALWAYS);
        long a = t.anonAligned(t.p, M2, M2);
        t.p.write(a, M2, Pattern.i32(0), a);
        assertThat(t.p.mprotect(a + 8 * P, 8 * P, Mman.PROT_READ)).isZero();
        assertThat(t.p.pageState(a)).isEqualTo(PageState.PRESENT_RW);
        assertThat(t.p.pageState(a + 8 * P)).isEqualTo(PageState.PRESENT_RO);
        assertThat(t.p.write(a + 8 * P, 4, Pattern.ZERO, a)).isEqualTo(-Errno.EFAULT);
        assertThat(t.p.write(a + 16 * P, 4, Pattern.ZERO, a)).isZero();
        MachineFixture.assertReads(t.p, a + 8 * P, 8 * P, Pattern.i32(0), a);
        t.assertCoherent();
    }

    @Test
    void madvCollapseMakesAThpEvenWithThpNever() {
        MachineFixture t = MachineFixture.withThp(ThpMode.NEVER);
        long a = t.anonAligned(t.p, M2, M2);
        t.p.write(a, M2 / 2, Pattern.i32(0), a);
        assertThat(t.p.pageState(a)).isEqualTo(PageState.PRESENT_RW);
        assertThat(t.p.madvise(a, M2, Mman.MADV_COLLAPSE)).isZero();
        assertThat(t.p.pageState(a)).isEqualTo(PageState.HUGE_PMD);
        MachineFixture.assertReads(t.p, a, M2 / 2, Pattern.i32(0), a);
        MachineFixture.assertReads(t.p, a + M2 / 2, M2 / 2, Pattern.ZERO, a);
        t.assertCoherent();
    }

    @Test
    void splitThpOfAPinnedFolioFailsWithEagain() {
        MachineFixture t = MachineFixture.withThp(ThpMode.ALWAYS);
        long a = t.anonAligned(t.p, M2, M2);
        t.p.write(a, M2, Pattern.i32(0), a);
        int pfn = t.p.frameAt(a);
        t.machine.physicalMemory().pin(pfn);
        assertThat(t.machine.splitThp(t.p, a)).isEqualTo(-Errno.EAGAIN);
        t.machine.physicalMemory().unpin(pfn);
        assertThat(t.machine.splitThp(t.p, a)).isZero();
        assertThat(t.p.pageState(a)).isEqualTo(PageState.PRESENT_RW);
        MachineFixture.assertReads(t.p, a, M2, Pattern.i32(0), a);
        t.assertCoherent();
    }

    @Test
    void pmdMultipleAnonymousMappingsAreThpAligned() {
        MachineFixture t = MachineFixture.withThp(ThpMode.ALWAYS);
        long a = t.anon(t.p, 4 * M2, MachineFixture.RW);
        assertThat(a % M2).isZero();
    }

    @Test
    void forkCopiesTheHugeZeroPmd() {
        // the huge zero fault prepares the anon_vma, so fork copies the VMA's page tables
        MachineFixture t = new MachineFixture();
        long a = t.anonAligned(t.p, M2, M2);
        assertThat(t.p.madvise(a, M2, Mman.MADV_HUGEPAGE)).isZero();
        MachineFixture.assertReads(t.p, a, P, Pattern.ZERO, a);
        UserProcess c = t.p.fork("c");
        assertThat(c.pageState(a)).isEqualTo(PageState.HUGE_PMD);
        assertThat(c.frameAt(a)).isEqualTo(-1);
        t.assertCoherent();
    }

    @Test
    void aSplitOfALockedFolioWaitsForTheLockHolder() {
        // split_huge_page runs under the folio lock: a migration that locked the folio to
        // collect it keeps it whole (EAGAIN), so the split cannot overwrite its reference
        MachineFixture t = MachineFixture.withThp(ThpMode.ALWAYS);
        long a = t.anonAligned(t.p, MachineFixture.M2, MachineFixture.M2);
        assertThat(t.p.write(a, MachineFixture.M2, Pattern.i32(0), a)).isZero();
        int head = t.p.frameAt(a);
        jhmm.phys.PageFrames f = t.machine.physicalMemory().frames();
        assertThat(f.tryLock(head)).isTrue();
        assertThat(t.machine.physicalMemory().frames().isLarge(head)).isTrue();
        assertThat(t.machine.splitThp(t.p, a)).isEqualTo(-Errno.EAGAIN);
        f.unlock(head);
        assertThat(t.machine.splitThp(t.p, a)).isZero();
        assertThat(f.isLarge(head)).isFalse();
        t.assertCoherent();
    }
}
