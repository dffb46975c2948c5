package jhmm.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import jhmm.base.Errno;
import jhmm.base.Pattern;
import jhmm.mm.Mman;
import jhmm.mm.PageState;
import org.junit.jupiter.api.Test;

/**
 * Huge shmem folios that MADV_COLLAPSE makes of shared anonymous memory (mm/khugepaged.c
 * collapse_file), and how faults, splits, pageout and teardown treat them, as Linux 6.18 does
 * with shmem_enabled=never and no swap (checked with jhmm diff; scenarios/host-verified/shmem-*).
 */
class ShmemThpTest {
    private static final long P = MachineFixture.P;
    private static final long M2 = MachineFixture.M2;

    private final MachineFixture t = new MachineFixture(MachineConfig.defaults().withRam(256L << 20));

    /** A 2 MiB-aligned shared anonymous mapping with its first 16 pages written. */
    private long sharedWindow(UserProcess proc, long len) {
        long a = proc.mmapAligned(len, M2, MachineFixture.RW, Mman.MAP_SHARED | Mman.MAP_ANONYMOUS, null, 0);
        assertThat(a).isPositive();
        assertThat(proc.write(a, 16 * P, Pattern.i32(0), a)).isZero();
        return a;
    }

    /** Asserts the states of pages of the mapping at {@code a}, given as pairs: page number, state. */
    private void assertPages(long a, Object... pageThenState) {
        for (int i = 0; i < pageThenState.length; i += 2) {
            int page = (Integer) pageThenState[i];
            assertThat(t.p.pageState(a + page * P)).as("page %d", page).isEqualTo(pageThenState[i + 1]);
        }
    }

    private long collapsed() {
        long a = sharedWindow(t.p, M2);
        assertThat(t.p.madvise(a, M2, Mman.MADV_COLLAPSE)).isZero();
        return a;
    }

    @Test
    void collapseOfSharedAnonymousMemoryMapsAShmemThpByOnePmd() {
        long a = collapsed();
        assertThat(t.p.pageState(a)).isEqualTo(PageState.HUGE_PMD);
        MachineFixture.assertReads(t.p, a, 16 * P, Pattern.i32(0), a);
        MachineFixture.assertReads(t.p, a + 16 * P, P, Pattern.ZERO, a); // a hole reads as zeros
        t.assertCoherent();
    }

    @Test
    void collapseStopsAtAWindowWithNothingCached() {
        long a = sharedWindow(t.p, 3 * M2);
        assertThat(t.p.write(a + 2 * M2, P, Pattern.i32(0), a)).isZero();
        assertThat(t.p.madvise(a, 3 * M2, Mman.MADV_COLLAPSE)).isEqualTo(-Errno.EINVAL);
        assertThat(t.p.pageState(a)).isEqualTo(PageState.HUGE_PMD);
        assertThat(t.p.pageState(a + 2 * M2)).isEqualTo(PageState.PRESENT_RW); // never tried
        t.assertCoherent();
    }

    @Test
    void collapseInAChildUnmapsTheParentWhoseNextFaultMapsThePmd() {
        long a = sharedWindow(t.p, M2);
        UserProcess c = t.p.fork("c");
        assertThat(c.pageState(a)).isEqualTo(PageState.NONE); // fork copies no shared page table
        assertThat(c.madvise(a, M2, Mman.MADV_COLLAPSE)).isZero();
        assertThat(c.pageState(a)).isEqualTo(PageState.HUGE_PMD);
        assertThat(t.p.pageState(a)).isEqualTo(PageState.NONE);
        MachineFixture.assertReads(t.p, a + 5 * P, P, Pattern.i32(0), a);
        assertThat(t.p.pageState(a)).isEqualTo(PageState.HUGE_PMD);
        t.assertCoherent();
    }

    @Test
    void splittingTheShmemPmdDropsItAndFaultAroundMapsPtes() {
        long a = collapsed();
        assertThat(t.p.munmap(a + M2 - P, P)).isZero();
        assertThat(t.p.pageState(a)).isEqualTo(PageState.NONE);
        MachineFixture.assertReads(t.p, a + 200 * P, P, Pattern.ZERO, a);
        assertPages(a, 191, PageState.NONE, 192, PageState.PRESENT_RW, 207, PageState.PRESENT_RW, 208, PageState.NONE);
        t.assertCoherent();
    }

    @Test
    void pageoutOfTheWholeFolioUnmapsItAndKeepsItCached() {
        long a = collapsed();
        assertThat(t.p.madvise(a, M2, Mman.MADV_PAGEOUT)).isZero();
        assertThat(t.p.pageState(a)).isEqualTo(PageState.NONE);
        MachineFixture.assertReads(t.p, a, 16 * P, Pattern.i32(0), a);
        assertThat(t.p.pageState(a)).isEqualTo(PageState.HUGE_PMD);
        t.assertCoherent();
    }

    @Test
    void pageoutOfPartOfTheFolioSplitsIt() {
        long a = collapsed();
        assertThat(t.p.madvise(a, 8 * P, Mman.MADV_PAGEOUT)).isZero();
        assertThat(t.p.pageState(a + 300 * P)).isEqualTo(PageState.NONE);
        MachineFixture.assertReads(t.p, a, 16 * P, Pattern.i32(0), a);
        assertPages(a, 0, PageState.PRESENT_RW, 16, PageState.NONE); // singles now: fault-around's 16 pages
        t.assertCoherent();
    }

    @Test
    void aNoHugepageVmaMapsTheWholeFolioByPtes() {
        long a = collapsed();
        assertThat(t.p.madvise(a, M2, Mman.MADV_NOHUGEPAGE)).isZero();
        assertThat(t.p.madvise(a, 8 * P, Mman.MADV_DONTNEED)).isZero();
        MachineFixture.assertReads(t.p, a + 100 * P, P, Pattern.ZERO, a);
        assertThat(t.p.pageState(a)).isEqualTo(PageState.PRESENT_RW);
        assertThat(t.p.pageState(a + M2 - P)).isEqualTo(PageState.PRESENT_RW);
        t.assertCoherent();
    }

    @Test
    void collapseNeedsAddressAndOffsetAlignedAlike() {
        long a = sharedWindow(t.p, 2 * M2);
        assertThat(t.p.write(a + M2, P, Pattern.i32(0), a)).isZero();
        assertThat(t.p.munmap(a, P)).isZero(); // the VMA now starts at offset 1 page, 1 page past a boundary
        assertThat(t.p.madvise(a + M2, M2, Mman.MADV_COLLAPSE)).isZero();
        long b = t.p.mremap(a + P, 2 * M2 - P, 2 * M2 - P, Mman.MREMAP_MAYMOVE | Mman.MREMAP_FIXED, a + 4 * M2);
        assertThat(b).isEqualTo(a + 4 * M2);
        assertThat(t.p.madvise(b + M2 - P, M2, Mman.MADV_COLLAPSE)).isEqualTo(-Errno.EINVAL);
        t.assertCoherent();
    }

    @Test
    void aWindowPastTheEndOfTheObjectCollapsesAndReadsZeros() {
        long a = t.p.mmapAligned(676 * P, M2, MachineFixture.RW, Mman.MAP_SHARED | Mman.MAP_ANONYMOUS, null, 0);
        assertThat(t.p.mremap(a, 676 * P, 1042 * P, 0)).isEqualTo(a);
        assertThat(t.p.write(a + 512 * P, 100 * P, Pattern.i32(0), a)).isZero();
        assertThat(t.p.madvise(a + M2, M2, Mman.MADV_COLLAPSE)).isZero();
        MachineFixture.assertReads(t.p, a + 700 * P, P, Pattern.ZERO, a);
        assertThat(t.p.madvise(a + M2, 8 * P, Mman.MADV_PAGEOUT)).isZero(); // the split drops the pages past EOF
        assertThat(t.p.read(a + 700 * P, new byte[4], 0, 4)).isEqualTo(-Errno.EFAULT);
        t.assertCoherent();
    }

    @Test
    void unmappingTheLastMappingFreesTheHugeFolio() {
        long free = t.machine.physicalMemory().buddy().freePages();
        long a = collapsed();
        assertThat(t.p.munmap(a, M2)).isZero();
        assertThat(t.machine.physicalMemory().buddy().freePages()).isEqualTo(free);
        t.assertCoherent();
    }
}
