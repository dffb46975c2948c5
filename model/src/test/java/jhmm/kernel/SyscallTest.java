package jhmm.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import jhmm.base.Errno;
import jhmm.base.Pattern;
import jhmm.mm.FileInode;
import jhmm.mm.Mman;
import jhmm.mm.PageState;
import org.junit.jupiter.api.Test;

/** mmap, munmap, mprotect, mremap and madvise against Linux's documented behaviour. */
class SyscallTest {
    private static final long P = MachineFixture.P;

    @Test
    void anonymousReadOfUntouchedMemoryMapsTheZeroPage() {
        MachineFixture t = new MachineFixture();
        long a = t.anon(t.p, 2 * P, MachineFixture.RW);
        MachineFixture.assertReads(t.p, a, 2 * P, Pattern.ZERO, a);
        assertThat(t.p.pageState(a)).isEqualTo(PageState.ZERO);
        t.p.write(a, 4, Pattern.fillByte(1), a);
        assertThat(t.p.pageState(a)).isEqualTo(PageState.PRESENT_RW);
    }

    @Test
    void madvDontneedOnAnonymousPrivateMemoryReadsBackZero() {
        MachineFixture t = new MachineFixture();
        long a = t.anon(t.p, 4 * P, MachineFixture.RW);
        t.p.write(a, 4 * P, Pattern.i32(0), a);
        assertThat(t.p.madvise(a + P, 2 * P, Mman.MADV_DONTNEED)).isZero();
        assertThat(t.p.pageState(a + P)).isEqualTo(PageState.NONE);
        MachineFixture.assertReads(t.p, a, P, Pattern.i32(0), a);
        MachineFixture.assertReads(t.p, a + P, 2 * P, Pattern.ZERO, a);
        t.assertCoherent();
    }

    @Test
    void aFileBackedSharedWriteIsVisibleThroughThePageCache() {
        MachineFixture t = new MachineFixture();
        FileInode f = t.machine.createFile("f", 4 * P, Pattern.i32(0));
        long a = t.p.mmap(0, 4 * P, MachineFixture.RW, Mman.MAP_SHARED, f, 0);
        UserProcess q = t.machine.createProcess("q");
        long b = q.mmap(0, 4 * P, Mman.PROT_READ, Mman.MAP_SHARED, f, 0);
        MachineFixture.assertReads(q, b, 4 * P, Pattern.i32(0), b);
        t.p.write(a + P, P, Pattern.fillByte(5), a);
        MachineFixture.assertReads(q, b + P, P, Pattern.fillByte(5), b);
        // a private mapping of the file sees the page cache too, until it writes
        long c = q.mmap(0, 4 * P, MachineFixture.RW, Mman.MAP_PRIVATE, f, 0);
        MachineFixture.assertReads(q, c + P, P, Pattern.fillByte(5), c);
        q.write(c, P, Pattern.fillByte(9), c);
        MachineFixture.assertReads(t.p, a, P, Pattern.i32(0), a);
        t.assertCoherent();
    }

    @Test
    void sharedFileWritesSurviveReclaimOfThePageCache() {
        MachineFixture t = new MachineFixture();
        FileInode f = t.machine.createFile("f", 2 * P, Pattern.ZERO);
        long a = t.p.mmap(0, 2 * P, MachineFixture.RW, Mman.MAP_SHARED, f, 0);
        t.p.write(a, 2 * P, Pattern.negI32(), a);
        assertThat(t.machine.swapout(t.p, a, 2 * P)).isZero();
        assertThat(f.cachedPfn(0)).isEqualTo(-1);
        MachineFixture.assertReads(t.p, a, 2 * P, Pattern.negI32(), a);
        t.assertCoherent();
    }

    @Test
    void mremapMovesContents() {
        MachineFixture t = new MachineFixture();
        long a = t.anon(t.p, 4 * P, MachineFixture.RW);
        MachineFixture.blockAbove(t, a + 4 * P); // something right above, so growing must move
        t.p.write(a, 4 * P, Pattern.i32(0), a);
        long b = t.p.mremap(a, 4 * P, 64 * P, Mman.MREMAP_MAYMOVE);
        assertThat(b).isPositive().isNotEqualTo(a);
        assertThat(t.p.pageState(a)).isEqualTo(PageState.NONE);
        MachineFixture.assertReads(t.p, b, 4 * P, Pattern.i32(0), b);
        MachineFixture.assertReads(t.p, b + 4 * P, 60 * P, Pattern.ZERO, b);
        t.assertCoherent();
    }

    @Test
    void mprotectReadOnlyMakesWritesFaultAndNoneMakesReadsFault() {
        MachineFixture t = new MachineFixture();
        long a = t.anon(t.p, 2 * P, MachineFixture.RW);
        t.p.write(a, 2 * P, Pattern.i32(0), a);
        assertThat(t.p.mprotect(a, P, Mman.PROT_READ)).isZero();
        assertThat(t.p.write(a, 4, Pattern.ZERO, a)).isEqualTo(-Errno.EFAULT);
        assertThat(t.p.mprotect(a, 2 * P, Mman.PROT_NONE)).isZero();
        assertThat(t.p.pageState(a + P)).isEqualTo(PageState.PROTNONE);
        assertThat(t.p.read(a, new byte[4], 0, 4)).isEqualTo(-Errno.EFAULT);
        assertThat(t.p.mprotect(a, 2 * P, MachineFixture.RW)).isZero();
        // still exclusive: write permission comes back without a COW
        assertThat(t.p.pageState(a + P)).isEqualTo(PageState.PRESENT_RW);
        MachineFixture.assertReads(t.p, a, 2 * P, Pattern.i32(0), a);
        t.assertCoherent();
    }

    @Test
    void mprotectOverAHoleFailsWithEnomem() {
        MachineFixture t = new MachineFixture();
        long a = t.anon(t.p, 4 * P, MachineFixture.RW);
        t.p.munmap(a + P, P);
        assertThat(t.p.mprotect(a, 4 * P, Mman.PROT_READ)).isEqualTo(-Errno.ENOMEM);
    }

    @Test
    void swappedOutPagesComeBackOnAccess() {
        MachineFixture t = new MachineFixture();
        long a = t.anon(t.p, 8 * P, MachineFixture.RW);
        t.p.write(a, 8 * P, Pattern.i32(3), a);
        assertThat(t.machine.swapout(t.p, a, 8 * P)).isZero();
        assertThat(t.p.pageState(a)).isEqualTo(PageState.SWAP);
        t.assertCoherent();
        MachineFixture.assertReads(t.p, a, 8 * P, Pattern.i32(3), a);
        assertThat(t.p.pageState(a)).isIn(PageState.PRESENT_RO, PageState.PRESENT_RW);
        assertThat(t.machine.memory().swap().usedSlots()).isZero();
        t.assertCoherent();
    }

    @Test
    void runningOutOfRamWithoutSwapIsEnomem() {
        MachineFixture t = new MachineFixture(MachineConfig.defaults().withRam(8L << 20));
        long a = t.anon(t.p, 5L << 20, MachineFixture.RW);
        long b = t.anon(t.p, 5L << 20, MachineFixture.RW);
        assertThat(t.p.write(a, 5L << 20, Pattern.fillByte(1), a)).isZero();
        assertThat(t.p.write(b, 5L << 20, Pattern.fillByte(1), b)).isEqualTo(-Errno.ENOMEM);
        t.assertCoherent();
    }

    @Test
    void oneMappingLargerThanRamPlusSwapIsRefusedByTheOvercommitHeuristic() {
        MachineFixture t = new MachineFixture(MachineConfig.defaults().withRam(8L << 20).withSwap(4L << 20));
        int anon = Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS;
        assertThat(t.p.mmap(0, 16L << 20, MachineFixture.RW, anon, null, 0)).isEqualTo(-Errno.ENOMEM);
        // read-only private memory commits nothing, so it is not counted
        assertThat(t.p.mmap(0, 16L << 20, Mman.PROT_READ, anon, null, 0)).isPositive();
    }

    @Test
    void runningOutOfRamWithSwapReclaims() {
        MachineFixture t = new MachineFixture(MachineConfig.defaults().withRam(8L << 20).withSwap(32L << 20));
        long a = t.anon(t.p, 16L << 20, MachineFixture.RW);
        assertThat(t.p.write(a, 16L << 20, Pattern.i32(0), a)).isZero();
        MachineFixture.assertReads(t.p, a, 16L << 20, Pattern.i32(0), a);
        assertThat(t.machine.stats().pswpout.get()).isPositive();
        t.assertCoherent();
    }

    @Test
    void hugetlbMappingsUseThePoolAndFailWhenItIsEmpty() {
        MachineFixture t = new MachineFixture(MachineConfig.defaults().withRam(64L << 20).withHugetlb(2, 0));
        int flags = Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS | Mman.MAP_HUGETLB;
        long a = t.p.mmap(0, 4L << 20, MachineFixture.RW, flags, null, 0);
        assertThat(a).isPositive();
        t.p.write(a, 4L << 20, Pattern.i32(0), a);
        assertThat(t.p.pageState(a)).isEqualTo(PageState.HUGE_PMD);
        assertThat(t.machine.physicalMemory().hugetlbPool(9).nrFree()).isZero();
        assertThat(t.p.mmap(0, 2L << 20, MachineFixture.RW, flags, null, 0)).isEqualTo(-Errno.ENOMEM);
        assertThat(t.p.munmap(a + P, P)).isEqualTo(-Errno.EINVAL);
        t.assertCoherent();
        t.p.munmap(a, 4L << 20);
        assertThat(t.machine.physicalMemory().hugetlbPool(9).nrFree()).isEqualTo(2);
        t.assertCoherent();
    }

    @Test
    void madvFreedPagesAreDiscardedByReclaimUnlessWrittenAgain() {
        MachineFixture t = new MachineFixture();
        long a = t.anon(t.p, 2 * P, MachineFixture.RW);
        t.p.write(a, 2 * P, Pattern.i32(0), a);
        assertThat(t.p.madvise(a, 2 * P, Mman.MADV_FREE)).isZero();
        t.p.write(a + P, 4, Pattern.fillByte(1), a);
        assertThat(t.machine.swapout(t.p, a, 2 * P)).isZero();
        MachineFixture.assertReads(t.p, a, P, Pattern.ZERO, a);
        MachineFixture.assertReads(t.p, a + P, 4, Pattern.fillByte(1), a);
        t.assertCoherent();
    }

    @Test
    void madviseOfAnEmptyRangeSucceedsBeforeAnyVmaIsChecked() {
        MachineFixture t = new MachineFixture();
        FileInode f = t.machine.createFile("f", 8 * P, Pattern.i32(0));
        long a = t.p.mmap(0, 8 * P, MachineFixture.RW, Mman.MAP_PRIVATE, f, 0);
        assertThat(t.p.madvise(a + 2 * P, P, Mman.MADV_FREE)).isEqualTo(-Errno.EINVAL);
        for (int advice : new int[] {Mman.MADV_FREE, Mman.MADV_COLLAPSE, Mman.MADV_PAGEOUT, Mman.MADV_DONTNEED}) {
            assertThat(t.p.madvise(a + 2 * P, 0, advice)).as("advice %d", advice).isZero();
        }
        assertThat(t.p.madvise(a + 64 * P, 0, Mman.MADV_FREE)).isZero(); // nothing mapped there
        assertThat(t.p.madvise(a + 1, 0, Mman.MADV_FREE)).isEqualTo(-Errno.EINVAL); // the start is still checked
    }
}
