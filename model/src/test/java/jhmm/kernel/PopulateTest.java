package jhmm.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import jhmm.base.Errno;
import jhmm.base.Pattern;
import jhmm.mm.Mman;
import jhmm.mm.PageState;
import org.junit.jupiter.api.Test;

/** MADV_POPULATE_READ/WRITE and MAP_POPULATE (mm/madvise.c madvise_populate, mm/gup.c check_vma_flags). */
class PopulateTest {
    private static final long P = MachineFixture.P;

    private final MachineFixture t = new MachineFixture();

    @Test
    void populateWriteOfAReadOnlyMappingFailsWithEinvalAndLeavesItReadOnly() {
        long a = t.anon(t.p, P, Mman.PROT_READ);
        assertThat(t.p.madvise(a, P, Mman.MADV_POPULATE_WRITE)).isEqualTo(-Errno.EINVAL);
        assertThat(t.p.write(a, 4, Pattern.fillByte(1), a)).isEqualTo(-Errno.EFAULT);
        t.assertCoherent();
    }

    @Test
    void populateReadOfAProtNoneMappingFailsWithEinvalAndMapsNothing() {
        long a = t.anon(t.p, P, Mman.PROT_NONE);
        assertThat(t.p.madvise(a, P, Mman.MADV_POPULATE_READ)).isEqualTo(-Errno.EINVAL);
        assertThat(t.p.pageState(a)).isEqualTo(PageState.NONE);
        assertThat(t.p.read(a, new byte[4], 0, 4)).isEqualTo(-Errno.EFAULT);
    }

    @Test
    void populateReadOfAWriteOnlyMappingFailsWithEinvalWhereMapPopulateReadsItIn() {
        // GUP's check_vma_flags wants VM_READ unless FOLL_FORCE, which only MAP_POPULATE passes
        long wo = t.anon(t.p, P, Mman.PROT_WRITE);
        assertThat(t.p.madvise(wo, P, Mman.MADV_POPULATE_READ)).isEqualTo(-Errno.EINVAL);
        assertThat(t.p.pageState(wo)).isEqualTo(PageState.NONE);
        long shared = t.p.mmap(0, P, Mman.PROT_WRITE, Mman.MAP_SHARED | Mman.MAP_ANONYMOUS | Mman.MAP_POPULATE, null, 0);
        assertThat(t.p.pageState(shared)).isNotEqualTo(PageState.NONE);
    }

    @Test
    void populateReadStopsWithEinvalAtTheFirstVmaWithoutVmReadKeepingWhatCameBefore() {
        long a = t.anon(t.p, 4 * P, MachineFixture.RW);
        assertThat(t.p.mprotect(a + 2 * P, 2 * P, Mman.PROT_WRITE)).isZero();
        assertThat(t.p.madvise(a, 4 * P, Mman.MADV_POPULATE_READ)).isEqualTo(-Errno.EINVAL);
        assertThat(t.p.pageState(a + P)).isNotEqualTo(PageState.NONE);
        assertThat(t.p.pageState(a + 2 * P)).isEqualTo(PageState.NONE);
    }

    @Test
    void mapPopulateOfProtNoneSucceedsAndMapsNothing() {
        // mm_populate ignores what populate_vma_page_range could not fault in
        long a = t.p.mmap(0, P, Mman.PROT_NONE, Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS | Mman.MAP_POPULATE, null, 0);
        assertThat(a).isPositive();
        assertThat(t.p.pageState(a)).isEqualTo(PageState.NONE);
        assertThat(t.p.read(a, new byte[4], 0, 4)).isEqualTo(-Errno.EFAULT);
    }

    @Test
    @org.junit.jupiter.api.DisplayName("MADV_POPULATE_WRITE of a fresh THP-eligible 2 MiB takes one fault (GUP steps over the huge leaf it made)")
    void populateOfAFreshThpCountsOneFault() {
        MachineFixture thp = MachineFixture.withThp(jhmm.mm.ThpMode.ALWAYS);
        long a = thp.anonAligned(thp.p, MachineFixture.M2, MachineFixture.M2);
        long before = thp.machine.stats().pageFaults.get();
        assertThat(thp.p.madvise(a, MachineFixture.M2, Mman.MADV_POPULATE_WRITE)).isZero();
        assertThat(thp.machine.stats().pageFaults.get() - before).isEqualTo(1);
        assertThat(thp.machine.stats().thpFaultAlloc.get()).isEqualTo(1);
        assertThat(thp.p.mm().rss()).isEqualTo(512);
    }

    @Test
    @org.junit.jupiter.api.DisplayName("MADV_POPULATE_WRITE faults only the pages not yet mapped for writing: one missing page, one fault")
    void populateFaultsOnlyWhatIsMissing() {
        long a = t.anon(t.p, 8 * P, MachineFixture.RW);
        assertThat(t.p.write(a + P, 7 * P, Pattern.i32(1), a)).isZero();
        long before = t.machine.stats().pageFaults.get();
        assertThat(t.p.madvise(a, 8 * P, Mman.MADV_POPULATE_WRITE)).isZero();
        assertThat(t.machine.stats().pageFaults.get() - before).isEqualTo(1);
        assertThat(t.p.mm().rss()).isEqualTo(8);
    }
}
