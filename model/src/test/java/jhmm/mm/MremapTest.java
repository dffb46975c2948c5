package jhmm.mm;

import static org.assertj.core.api.Assertions.assertThat;

import jhmm.base.Errno;
import jhmm.base.PageSize;
import jhmm.base.Pattern;
import jhmm.kernel.Machine;
import jhmm.kernel.MachineConfig;
import jhmm.kernel.UserProcess;
import org.junit.jupiter.api.Test;

/** mremap as Linux 6.18 does it on the host: which ranges it accepts, where it puts them, what it merges. */
class MremapTest {
    private static final long P = 4096;
    private static final int RW = Mman.PROT_READ | Mman.PROT_WRITE;

    private final Machine machine = new Machine(MachineConfig.defaults().withRam(256L << 20));
    private final UserProcess p = machine.createProcess("p");

    private long anon(long len, int prot) {
        long a = p.mmap(0, len, prot, Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS, null, 0);
        assertThat(a).isPositive();
        return a;
    }

    @Test
    void shrinkOverSeveralVmasUnmapsTheTail() {
        long a = anon(8 * P, RW);
        assertThat(p.mprotect(a + 2 * P, 2 * P, Mman.PROT_READ)).isZero();
        assertThat(p.mremap(a, 8 * P, P, 0)).isEqualTo(a);
        assertThat(p.mm().vmasIn(a, a + 8 * P)).singleElement().satisfies(v -> assertThat(v.end()).isEqualTo(a + P));
    }

    @Test
    void shrinkOverAHoleUnmapsTheTail() {
        long a = anon(8 * P, RW);
        assertThat(p.munmap(a + 5 * P, P)).isZero();
        assertThat(p.mremap(a, 8 * P, 2 * P, 0)).isEqualTo(a);
        assertThat(p.mm().vmasIn(a, a + 8 * P)).hasSize(1);
    }

    @Test
    void shrinkNeedsTheOldAddressMapped() {
        long a = anon(8 * P, RW);
        assertThat(p.mremap(a - P, 8 * P, 2 * P, 0)).isEqualTo(-Errno.EFAULT);
    }

    private long anonAt(long addr, long len) {
        assertThat(p.mmap(addr, len, RW, Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS | Mman.MAP_FIXED, null, 0)).isEqualTo(addr);
        return addr;
    }

    private long moveTo(long from, long len, long to, int extra) {
        return p.mremap(from, len, len, Mman.MREMAP_MAYMOVE | Mman.MREMAP_FIXED | extra, to);
    }

    @Test
    void growInPlaceJoinsTheVmaAboveWhenCompatible() {
        long a = anon(8 * P, RW);
        assertThat(p.write(a, P, Pattern.i32(0), a)).isZero();
        anonAt(a + 10 * P, 4 * P);
        assertThat(p.mremap(a, 8 * P, 10 * P, 0)).isEqualTo(a);
        assertThat(p.mm().vmasIn(a, a + 14 * P)).hasSize(1);
    }

    @Test
    void movedVmaWithoutPagesTakesItsNewAddressAsPgoffAndMergesThere() {
        long a = anon(8 * P, RW);
        long n = anonAt(a + 32 * P, 4 * P);
        assertThat(moveTo(n, 4 * P, a + 8 * P, 0)).isEqualTo(a + 8 * P);
        assertThat(p.mm().vmasIn(a, a + 12 * P)).hasSize(1);
    }

    @Test
    void movedVmaWithPagesKeepsItsPgoffAndStaysApart() {
        long a = anon(8 * P, RW);
        long n = anonAt(a + 32 * P, 4 * P);
        assertThat(p.write(n, P, Pattern.i32(0), n)).isZero();
        assertThat(moveTo(n, 4 * P, a + 8 * P, 0)).isEqualTo(a + 8 * P);
        assertThat(p.mm().vmasIn(a, a + 12 * P)).hasSize(2);
    }

    @Test
    void pieceMovedAwayAndBackMergesAgain() {
        long a = anon(8 * P, RW);
        assertThat(p.write(a, 8 * P, Pattern.i32(0), a)).isZero();
        assertThat(moveTo(a + 4 * P, 4 * P, a + 32 * P, 0)).isEqualTo(a + 32 * P);
        assertThat(moveTo(a + 32 * P, 4 * P, a + 4 * P, 0)).isEqualTo(a + 4 * P);
        assertThat(p.mm().vmasIn(a, a + 8 * P)).hasSize(1);
        byte[] back = new byte[(int) (8 * P)];
        byte[] want = new byte[back.length];
        Pattern.i32(0).fill(0, want, 0, want.length);
        assertThat(p.read(a, back, 0, back.length)).isZero();
        assertThat(back).isEqualTo(want);
    }

    @Test
    void dontunmapOfPartOfAVmaLeavesTheOldVmaWhole() {
        long a = anon(8 * P, RW);
        assertThat(p.write(a, 8 * P, Pattern.i32(0), a)).isZero();
        assertThat(moveTo(a + 2 * P, 2 * P, a + 32 * P, Mman.MREMAP_DONTUNMAP)).isEqualTo(a + 32 * P);
        assertThat(p.mm().vmasIn(a, a + 8 * P)).hasSize(1);
    }

    @Test
    void fixedMoveThatKeepsTheSizeTakesEveryVmaAndHoleAlong() {
        long a = anon(8 * P, RW);
        assertThat(p.write(a, 8 * P, Pattern.i32(0), a)).isZero();
        assertThat(p.mprotect(a + 2 * P, 2 * P, Mman.PROT_READ)).isZero();
        assertThat(p.munmap(a + 6 * P, P)).isZero();
        long to = a + 32 * P;
        assertThat(moveTo(a, 8 * P, to, 0)).isEqualTo(to);
        assertThat(p.mm().vmasIn(a, a + 8 * P)).isEmpty();
        assertThat(p.mm().vmasIn(to, to + 8 * P)).extracting(Vma::start)
                .containsExactly(to, to + 2 * P, to + 4 * P, to + 7 * P);
        assertThat(p.mm().vmasIn(to, to + 8 * P).get(1).has(VmFlags.WRITE)).isFalse();
    }

    @Test
    void fixedMoveOverAHoleKeepsWhatIsMappedAcrossFromTheHole() {
        long a = anon(4 * P, RW);
        long to = a + 32 * P;
        assertThat(p.mmap(to, 4 * P, Mman.PROT_READ, Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS | Mman.MAP_FIXED, null, 0)).isEqualTo(to);
        assertThat(p.munmap(a + 2 * P, P)).isZero();
        assertThat(moveTo(a, 4 * P, to, 0)).isEqualTo(to);
        assertThat(p.mm().vmasIn(to, to + 4 * P)).extracting(Vma::start).containsExactly(to, to + 2 * P, to + 3 * P);
        assertThat(p.mm().vmasIn(to, to + 4 * P).get(1).has(VmFlags.WRITE)).isFalse();
    }

    @Test
    void fixedMoveThatResizesOrDontunmapWithoutFixedStaysWithinOneVma() {
        long a = anon(8 * P, RW);
        assertThat(p.mprotect(a + 2 * P, 2 * P, Mman.PROT_READ)).isZero();
        assertThat(p.mremap(a, 8 * P, 6 * P, Mman.MREMAP_MAYMOVE | Mman.MREMAP_FIXED, a + 32 * P)).isEqualTo(-Errno.EFAULT);
        assertThat(p.mremap(a, 8 * P, 8 * P, Mman.MREMAP_MAYMOVE | Mman.MREMAP_DONTUNMAP, 0)).isEqualTo(-Errno.EFAULT);
        assertThat(p.mm().vmasIn(a, a + 8 * P)).hasSize(3);
    }

    @Test
    void fixedShrinkingMoveUnmapsTheTailAcrossVmasAndHolesAndMovesTheRest() {
        long a = anon(8 * P, RW);
        assertThat(p.write(a, 8 * P, Pattern.i32(0), a)).isZero();
        assertThat(p.mprotect(a + 3 * P, 2 * P, Mman.PROT_READ)).isZero();
        assertThat(p.munmap(a + 6 * P, P)).isZero();
        long to = a + 40 * P;
        assertThat(p.mremap(a, 8 * P, 4 * P, Mman.MREMAP_MAYMOVE | Mman.MREMAP_FIXED, to)).isEqualTo(-Errno.EFAULT);
        assertThat(p.mremap(a, 8 * P, 3 * P, Mman.MREMAP_MAYMOVE | Mman.MREMAP_FIXED, to)).isEqualTo(to);
        assertThat(p.mm().vmasIn(a, a + 8 * P)).isEmpty();
        assertThat(p.mm().vmasIn(to, to + 8 * P)).singleElement().satisfies(v -> assertThat(v.end()).isEqualTo(to + 3 * P));
    }

    @Test
    void moveDestinationIsPmdAlignedForWholePmdLengthsWhateverTheOldAddress() {
        long a = anon(PageSize.PMD_SIZE / 2, RW);
        long unaligned = anonAt(a - 3 * P, 3 * P);
        anonAt(a + PageSize.PMD_SIZE / 2, P); // nothing free above: growing must move
        assertThat(p.munmap(a, PageSize.PMD_SIZE / 2)).isZero();
        long moved = p.mremap(unaligned, 3 * P, PageSize.PMD_SIZE, Mman.MREMAP_MAYMOVE);
        assertThat(moved & ~PageSize.PMD_MASK).isZero();
    }

    @Test
    void moveDestinationOfPartialPmdLengthsIsOnlyPageAlignedEvenFromAPmdAlignedAddress() {
        long a = p.mmapAligned(8 * P, PageSize.PMD_SIZE, RW, Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS, null, 0);
        anonAt(a + 8 * P, P);
        long moved = p.mremap(a, 8 * P, 16 * P, Mman.MREMAP_MAYMOVE);
        assertThat(moved).isPositive();
        assertThat(moved & ~PageSize.PMD_MASK).isNotZero();
    }

    /** Whether a read of {@code addr} maps the huge zero page (a PMD) rather than a 4 KiB one. */
    private boolean readMapsPmd(long addr) {
        assertThat(p.read(addr, new byte[1], 0, 1)).isZero();
        return p.pageState(addr + P) != PageState.NONE;
    }

    /**
     * move_page_tables gives the destination a PTE table wherever the source range had one, even
     * with nothing to move (here: only a neighbour's page), so a THP-advised range moved to a
     * 2 MiB boundary gets a 4 KiB zero page on a read, not the huge zero page.
     */
    @Test
    void moveMakesAPteTableAtTheDestinationWhereTheSourceHadOne() {
        long base = p.mmapAligned(8 * PageSize.PMD_SIZE, PageSize.PMD_SIZE, Mman.PROT_NONE, Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS, null, 0);
        long a = anonAt(base + 64 * P, 513 * P);
        assertThat(p.madvise(a, 513 * P, Mman.MADV_HUGEPAGE)).isZero();
        long b = anonAt(base + 600 * P, P);
        assertThat(p.write(b, 1, Pattern.ZERO, b)).isZero(); // a PTE table under the second 2 MiB of a
        long to = base + 4 * PageSize.PMD_SIZE;
        assertThat(moveTo(a, 513 * P, to, 0)).isEqualTo(to);
        assertThat(readMapsPmd(to)).isFalse();
        long again = base + 2 * PageSize.PMD_SIZE; // the same move without a table under the source
        long c = anonAt(base + 6 * PageSize.PMD_SIZE + 64 * P, 513 * P);
        assertThat(p.madvise(c, 513 * P, Mman.MADV_HUGEPAGE)).isZero();
        assertThat(moveTo(c, 513 * P, again, 0)).isEqualTo(again);
        assertThat(readMapsPmd(again)).isTrue();
    }

    /** MREMAP_DONTUNMAP leaves the old range mapped, and its emptied PTE tables with it: no THP fault there. */
    @Test
    void dontUnmapKeepsTheOldRangesEmptiedPteTables() {
        long len = 2 * PageSize.PMD_SIZE;
        long a = p.mmapAligned(len, PageSize.PMD_SIZE, RW, Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS | Mman.MAP_POPULATE, null, 0);
        assertThat(p.madvise(a, len, Mman.MADV_HUGEPAGE)).isZero();
        // from a + P, so that the entries move one by one and the second 2 MiB's table is emptied
        long dst = p.mmapAligned(len, PageSize.PMD_SIZE, Mman.PROT_NONE, Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS, null, 0);
        assertThat(moveTo(a + P, len - P, dst, Mman.MREMAP_DONTUNMAP)).isEqualTo(dst);
        long second = a + PageSize.PMD_SIZE;
        assertThat(readMapsPmd(second)).isFalse();
        assertThat(p.pageState(second)).isEqualTo(PageState.ZERO);
    }
}
