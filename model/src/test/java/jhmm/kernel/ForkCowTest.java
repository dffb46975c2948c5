package jhmm.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import jhmm.base.Pattern;
import jhmm.gup.EdgeCaseSupport;
import jhmm.gup.Foll;
import jhmm.mm.Mman;
import jhmm.mm.PageState;
import jhmm.mm.ThpMode;
import org.junit.jupiter.api.Test;

/** fork() and copy-on-write (mm/memory.c copy_page_range, do_wp_page). */
class ForkCowTest {
    private static final long P = MachineFixture.P;

    @Test
    void cowAfterForkGivesEachProcessItsOwnCopy() {
        MachineFixture t = new MachineFixture();
        long a = t.anon(t.p, 4 * P, MachineFixture.RW);
        assertThat(t.p.write(a, 4 * P, Pattern.i32(0), a)).isZero();
        UserProcess child = t.p.fork("c");
        assertThat(t.p.pageState(a)).isEqualTo(PageState.PRESENT_RO);
        assertThat(child.pageState(a)).isEqualTo(PageState.PRESENT_RO);
        assertThat(child.write(a, 4 * P, Pattern.negI32(), a)).isZero();
        MachineFixture.assertReads(t.p, a, 4 * P, Pattern.i32(0), a);
        MachineFixture.assertReads(child, a, 4 * P, Pattern.negI32(), a);
        assertThat(t.p.write(a, P, Pattern.fillByte(7), a)).isZero();
        MachineFixture.assertReads(child, a, P, Pattern.negI32(), a);
        assertThat(t.machine.stats().cowCopies.get()).isEqualTo(4);
        t.assertCoherent();
    }

    @Test
    void aPinnedAnonymousPageIsCopiedAtFork() {
        MachineFixture t = new MachineFixture();
        long a = t.anon(t.p, P, MachineFixture.RW);
        t.p.write(a, P, Pattern.i32(0), a);
        int pfn = t.p.frameAt(a);
        assertThat(EdgeCaseSupport.pin(t.p, a, 1, Foll.WRITE, new int[1])).isEqualTo(1); // sets MMF_HAS_PINNED
        UserProcess child = t.p.fork("c");
        // the parent keeps its pinned page mapped writable; the child has a copy
        assertThat(t.p.pageState(a)).isEqualTo(PageState.PRESENT_RW);
        assertThat(t.p.frameAt(a)).isEqualTo(pfn);
        assertThat(child.frameAt(a)).isNotEqualTo(pfn);
        MachineFixture.assertReads(child, a, P, Pattern.i32(0), a);
        t.p.write(a, P, Pattern.fillByte(1), a);
        MachineFixture.assertReads(child, a, P, Pattern.i32(0), a);
        assertThat(t.machine.stats().forkPinnedCopies.get()).isEqualTo(1);
        t.machine.physicalMemory().unpin(pfn);
        t.assertCoherent();
    }

    @Test
    void sharedAnonymousMemoryIsSeenByBothAfterFork() {
        MachineFixture t = new MachineFixture();
        long a = t.p.mmap(0, 4 * P, MachineFixture.RW, Mman.MAP_SHARED | Mman.MAP_ANONYMOUS, null, 0);
        t.p.write(a, 4 * P, Pattern.i32(0), a);
        UserProcess child = t.p.fork("c");
        child.write(a, 4 * P, Pattern.negI32(), a);
        MachineFixture.assertReads(t.p, a, 4 * P, Pattern.negI32(), a);
        t.assertCoherent();
    }

    @Test
    void forkWriteProtectsAThpAndCowSplitsIt() {
        MachineFixture t = MachineFixture.withThp(ThpMode.ALWAYS);
        long a = t.anonAligned(t.p, MachineFixture.M2, MachineFixture.M2);
        t.p.write(a, MachineFixture.M2, Pattern.i32(0), a);
        assertThat(t.p.pageState(a)).isEqualTo(PageState.HUGE_PMD);
        UserProcess child = t.p.fork("c");
        child.write(a + P, 4, Pattern.fillByte(9), a);
        assertThat(child.pageState(a)).isEqualTo(PageState.PRESENT_RO);
        assertThat(child.pageState(a + P)).isEqualTo(PageState.PRESENT_RW);
        MachineFixture.assertReads(t.p, a, MachineFixture.M2, Pattern.i32(0), a);
        t.assertCoherent();
        child.exit();
        t.p.exit();
        t.assertCoherent();
    }

    @Test
    void exitFreesEverything() {
        MachineFixture t = new MachineFixture();
        long free = t.machine.physicalMemory().buddy().freePages();
        long a = t.anon(t.p, 64 * P, MachineFixture.RW);
        t.p.write(a, 64 * P, Pattern.i32(0), a);
        UserProcess child = t.p.fork("c");
        child.write(a, 8 * P, Pattern.i32(1), a);
        t.p.exit();
        child.exit();
        assertThat(t.machine.physicalMemory().buddy().freePages()).isEqualTo(free);
        t.assertCoherent();
    }

    @Test
    void aCowFaultPastEofLeavesAnAnonVmaSoForkCopiesTheFileMapping() {
        // do_cow_fault prepares the anon_vma before it reads the page, which fails past EOF
        MachineFixture t = new MachineFixture();
        jhmm.mm.FileInode f = t.machine.createFile("f", 3 * P, Pattern.i32(0));
        long a = t.p.mmap(0, 8 * P, MachineFixture.RW, Mman.MAP_PRIVATE, f, 0);
        assertThat(t.p.write(a + 5 * P, P, Pattern.i32(0), a)).isEqualTo(-jhmm.base.Errno.EFAULT);
        MachineFixture.assertReads(t.p, a, 3 * P, Pattern.i32(0), a);
        UserProcess child = t.p.fork("c");
        assertThat(child.pageState(a + 2 * P)).isEqualTo(PageState.PRESENT_RO);
        assertThat(child.pageState(a + 3 * P)).isEqualTo(PageState.NONE);
        t.assertCoherent();
    }

    @Test
    void forkGivesTheChildAnEmptyPteTableWhereTheParentHasOne() {
        // copy_pte_range allocates the child's table first: no huge zero page there afterwards
        MachineFixture t = MachineFixture.withThp(ThpMode.MADVISE);
        long m2 = MachineFixture.M2;
        long a = t.anonAligned(t.p, 2 * m2, m2);
        assertThat(t.p.write(a, P, Pattern.i32(0), a)).isZero();
        assertThat(t.p.madvise(a, P, Mman.MADV_DONTNEED)).isZero(); // the table stays, empty
        assertThat(t.p.madvise(a, 2 * m2, Mman.MADV_HUGEPAGE)).isZero();
        UserProcess child = t.p.fork("c");
        MachineFixture.assertReads(child, a + 5 * P, P, Pattern.ZERO, a);
        assertThat(child.pageState(a + 5 * P)).isEqualTo(PageState.ZERO);
        MachineFixture.assertReads(child, a + m2, P, Pattern.ZERO, a);
        assertThat(child.pageState(a + m2)).isEqualTo(PageState.HUGE_PMD); // no table in that window
        t.assertCoherent();
    }
}
