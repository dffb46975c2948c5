package jhmm.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import jhmm.base.Errno;
import jhmm.base.Pattern;
import jhmm.mm.Mman;
import org.junit.jupiter.api.Test;

/** madvise(2) (mm/madvise.c). */
class MadviseTest {
    private static final long P = MachineFixture.P;

    @Test
    void dontneedOverAHoleStillZapsTheMappedPartsAndReturnsEnomem() {
        // madvise_walk_vmas skips unmapped ranges, applies the advice to every VMA in the range
        // and only then reports -ENOMEM
        MachineFixture t = new MachineFixture();
        long a = t.anon(t.p, 3 * P, MachineFixture.RW);
        assertThat(t.p.write(a, 3 * P, Pattern.i32(0), a)).isZero();
        assertThat(t.p.munmap(a + P, P)).isZero();
        assertThat(t.p.madvise(a, 3 * P, Mman.MADV_DONTNEED)).isEqualTo(-Errno.ENOMEM);
        MachineFixture.assertReads(t.p, a, P, Pattern.ZERO, a);
        MachineFixture.assertReads(t.p, a + 2 * P, P, Pattern.ZERO, a);
        t.assertCoherent();
    }
}
