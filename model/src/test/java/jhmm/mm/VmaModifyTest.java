package jhmm.mm;

import static org.assertj.core.api.Assertions.assertThat;

import jhmm.base.PageSize;
import jhmm.base.Pattern;
import jhmm.kernel.Machine;
import jhmm.kernel.MachineConfig;
import jhmm.kernel.UserProcess;
import org.junit.jupiter.api.Test;

/**
 * vma_modify as mprotect and madvise use it on Linux 6.18: a range whose flags do not change
 * is left alone, one whose flags do is split out of its VMA.
 */
class VmaModifyTest {
    private static final long P = PageSize.PAGE_SIZE;
    private static final long M2 = PageSize.PMD_SIZE;
    private static final int RW = Mman.PROT_READ | Mman.PROT_WRITE;

    private final Machine machine = new Machine(MachineConfig.defaults().withRam(256L << 20).withThp(ThpMode.MADVISE));
    private final UserProcess p = machine.createProcess("p");

    /** 4 MiB, 2 MiB-aligned, MADV_HUGEPAGE, its first 2 MiB written: one huge PMD. */
    private long hugeMapped() {
        long a = p.mmapAligned(2 * M2, M2, RW, Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS, null, 0);
        assertThat(p.madvise(a, 2 * M2, Mman.MADV_HUGEPAGE)).isZero();
        assertThat(p.write(a, M2, Pattern.i32(0), a)).isZero();
        assertThat(p.pageState(a)).isEqualTo(PageState.HUGE_PMD);
        return a;
    }

    @Test
    void mprotectThatChangesNothingKeepsVmaAndPmd() {
        long a = hugeMapped();
        assertThat(p.mprotect(a + P, P, RW)).isZero();
        assertThat(p.pageState(a)).isEqualTo(PageState.HUGE_PMD);
        assertThat(p.mm().vmasIn(a, a + 2 * M2)).hasSize(1);
    }

    @Test
    void madviseThatChangesNothingKeepsVmaAndPmd() {
        long a = hugeMapped();
        assertThat(p.madvise(a + P, P, Mman.MADV_HUGEPAGE)).isZero();
        assertThat(p.pageState(a)).isEqualTo(PageState.HUGE_PMD);
        assertThat(p.mm().vmasIn(a, a + 2 * M2)).hasSize(1);
    }
}
