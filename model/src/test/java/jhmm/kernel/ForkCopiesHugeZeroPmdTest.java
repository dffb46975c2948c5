package jhmm.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import jhmm.mm.Mman;
import jhmm.mm.PageState;
import jhmm.mm.ThpMode;
import org.junit.jupiter.api.Test;

/**
 * do_huge_pmd_anonymous_page prepares the anon_vma before it maps the huge zero page, so the
 * VMA counts as having anonymous pages and fork copies its PMD: the child sees the huge zero
 * page too (Linux 6.18, pagemap), unlike the 4 KiB zero page, whose fault prepares nothing.
 */
class ForkCopiesHugeZeroPmdTest {
    private static final long M2 = MachineFixture.M2;

    @Test
    void forkCopiesHugeZeroPmd() {
        MachineFixture t = MachineFixture.withThp(ThpMode.MADVISE);
        long a = t.anonAligned(t.p, M2, M2);
        assertThat(t.p.madvise(a, M2, Mman.MADV_HUGEPAGE)).isZero();
        assertThat(t.p.madvise(a, M2, Mman.MADV_POPULATE_READ)).isZero();
        PageState parent = t.p.pageState(a);
        assertThat(parent).isNotEqualTo(PageState.NONE);

        Process c = t.p.fork("c");

        assertThat(c.pageState(a)).isEqualTo(parent);
        assertThat(c.pageState(a + M2 - MachineFixture.P)).isEqualTo(parent);
    }
}
