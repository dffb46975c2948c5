package jhmm.mm;

import static org.assertj.core.api.Assertions.assertThat;

import jhmm.base.PageSize;
import jhmm.base.Pattern;
import jhmm.kernel.Machine;
import jhmm.kernel.MachineConfig;
import jhmm.kernel.UserProcess;
import org.junit.jupiter.api.Test;

/**
 * VMA merging as Linux 6.18 does it (each case checked in /proc/PID/maps on the host): a new or
 * changed VMA joins its neighbours when flags (VM_ACCOUNT too), file, page offsets and
 * anon_vmas agree.
 */
class VmaMergeTest {
    private static final long P = PageSize.PAGE_SIZE;
    private static final long M2 = PageSize.PMD_SIZE;
    private static final int R = Mman.PROT_READ;
    private static final int RW = Mman.PROT_READ | Mman.PROT_WRITE;
    private static final int ANON = Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS;

    private final Machine machine = new Machine(MachineConfig.defaults().withRam(256L << 20).withThp(ThpMode.MADVISE));
    private final UserProcess p = machine.createProcess("p");

    private long anon(long len, int prot) {
        long a = p.mmapAligned(len, M2, prot, ANON, null, 0);
        assertThat(a).isPositive();
        return a;
    }

    private long anonAt(UserProcess proc, long addr, long len, int prot) {
        assertThat(proc.mmap(addr, len, prot, ANON | Mman.MAP_FIXED, null, 0)).isEqualTo(addr);
        return addr;
    }

    private static int vmas(UserProcess proc, long start, long end) {
        return proc.mm().vmasIn(start, end).size();
    }

    @Test
    void mprotectBackToTheOldProtectionRemergesSoTheRangeCanGrow() {
        long a = anon(8 * P, RW);
        assertThat(p.mprotect(a + 2 * P, 2 * P, R)).isZero();
        assertThat(vmas(p, a, a + 8 * P)).isEqualTo(3);
        assertThat(p.mprotect(a + 2 * P, 2 * P, RW)).isZero();
        assertThat(vmas(p, a, a + 8 * P)).isOne();
        assertThat(p.mremap(a, 8 * P, 16 * P, 0)).isEqualTo(a);
    }

    @Test
    void adjacentAnonymousMmapsMergeIntoOneVma() {
        long a = anon(8 * P, RW);
        assertThat(p.write(a, P, Pattern.i32(0), a)).isZero();
        anonAt(p, a + 8 * P, 2 * P, RW);
        anonAt(p, a - 2 * P, 2 * P, RW);
        assertThat(vmas(p, a - 2 * P, a + 10 * P)).isOne();
    }

    @Test
    void mappingsWithDistinctAnonVmasDoNotMerge() {
        long a = anon(8 * P, RW);
        long c = anonAt(p, a + 16 * P, 8 * P, RW);
        assertThat(p.write(a, P, Pattern.i32(0), a)).isZero();
        assertThat(p.write(c, P, Pattern.i32(0), c)).isZero();
        anonAt(p, a + 8 * P, 8 * P, RW);
        assertThat(p.mm().vmasIn(a, a + 24 * P)).extracting(Vma::end).containsExactly(a + 16 * P, a + 24 * P);
    }

    @Test
    void madviseHugepageOverTwoAdjacentMmapsMergesThemSoTheyGetAThp() {
        long a = anon(M2 / 2, RW);
        assertThat(p.madvise(a, M2 / 2, Mman.MADV_HUGEPAGE)).isZero();
        long b = anonAt(p, a + M2 / 2, M2 / 2, RW);
        assertThat(p.madvise(b, M2 / 2, Mman.MADV_HUGEPAGE)).isZero();
        assertThat(p.write(a, M2, Pattern.i32(0), a)).isZero();
        assertThat(p.pageState(a)).isEqualTo(PageState.HUGE_PMD);
    }

    @Test
    void readOnlyMadeWritableIsAccountedAndMergesWithAFreshWritableMapping() {
        long a = anon(8 * P, R);
        assertThat(p.mprotect(a, 8 * P, RW)).isZero();
        anonAt(p, a + 8 * P, 2 * P, RW);
        assertThat(vmas(p, a, a + 10 * P)).isOne();
    }

    @Test
    void writableWithoutPagesMadeReadOnlyDropsItsAccountAndMergesWithAFreshReadOnlyMapping() {
        long a = anon(8 * P, RW);
        assertThat(p.mprotect(a, 8 * P, R)).isZero();
        anonAt(p, a + 8 * P, 2 * P, R);
        assertThat(vmas(p, a, a + 10 * P)).isOne();
    }

    @Test
    void writableWithPagesMadeReadOnlyKeepsItsAccountAndStaysApartFromAFreshReadOnlyMapping() {
        long a = anon(8 * P, RW);
        assertThat(p.write(a, P, Pattern.i32(0), a)).isZero();
        assertThat(p.mprotect(a, 8 * P, R)).isZero();
        anonAt(p, a + 8 * P, 2 * P, R);
        assertThat(vmas(p, a, a + 10 * P)).isEqualTo(2);
    }

    @Test
    void forksCopiesOfVmasWithPagesMergeOnlyWithTheirOwnPieces() {
        long a = anon(8 * P, RW);
        assertThat(p.write(a, P, Pattern.i32(0), a)).isZero();
        assertThat(p.mprotect(a + 2 * P, 2 * P, R)).isZero();
        UserProcess child = p.fork("c");
        assertThat(child.mprotect(a + 2 * P, 2 * P, RW)).isZero();
        assertThat(vmas(child, a, a + 8 * P)).as("copies of three parent VMAs").isEqualTo(3);
        anonAt(child, a + 8 * P, 2 * P, RW);
        assertThat(vmas(child, a, a + 10 * P)).as("a fresh VMA next to a copy").isEqualTo(4);
        assertThat(child.mprotect(a + 5 * P, P, R)).isZero();
        assertThat(child.mprotect(a + 5 * P, P, RW)).isZero();
        assertThat(vmas(child, a, a + 10 * P)).as("pieces of one copy").isEqualTo(4);
        assertThat(p.mprotect(a + 2 * P, 2 * P, RW)).isZero();
        assertThat(vmas(p, a, a + 8 * P)).as("the parent").isOne();
    }

    @Test
    void forksCopiesOfVmasWithoutPagesMerge() {
        long a = anon(8 * P, RW);
        assertThat(p.mprotect(a + 2 * P, 2 * P, R)).isZero();
        UserProcess child = p.fork("c");
        assertThat(child.mprotect(a + 2 * P, 2 * P, RW)).isZero();
        assertThat(vmas(child, a, a + 8 * P)).isOne();
    }

    @Test
    void aFirstWriteTakesTheAnonVmaOfANeighbourThatDiffersOnlyInProtection() {
        long a = anon(4 * P, RW);
        assertThat(p.mprotect(a + P, P, RW | Mman.PROT_EXEC)).isZero();
        assertThat(p.write(a, 2 * P, Pattern.i32(0), a)).isZero();
        assertThat(p.mprotect(a, 4 * P, RW)).isZero();
        assertThat(p.mm().vmasIn(a, a + 4 * P)).hasSize(1); // one anon_vma: mprotect merged them
    }
}
