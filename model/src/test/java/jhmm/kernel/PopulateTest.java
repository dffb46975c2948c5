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
    void mapPopulateOfProtNoneSucceedsAndMapsNothing() {
        // mm_populate ignores what populate_vma_page_range could not fault in
        long a = t.p.mmap(0, P, Mman.PROT_NONE, Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS | Mman.MAP_POPULATE, null, 0);
        assertThat(a).isPositive();
        assertThat(t.p.pageState(a)).isEqualTo(PageState.NONE);
        assertThat(t.p.read(a, new byte[4], 0, 4)).isEqualTo(-Errno.EFAULT);
    }
}
