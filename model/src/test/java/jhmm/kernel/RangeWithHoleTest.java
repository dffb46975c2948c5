package jhmm.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import jhmm.base.Errno;
import jhmm.base.Pattern;
import jhmm.mm.Mman;
import org.junit.jupiter.api.Test;

/** System calls over a range that has a hole in it: Linux treats the mapped parts before failing. */
class RangeWithHoleTest {
    private static final long P = MachineFixture.P;

    private final MachineFixture t = new MachineFixture();

    /** Three written pages whose middle one is unmapped. */
    private long writtenWithHole() {
        long a = t.anon(t.p, 3 * P, MachineFixture.RW);
        assertThat(t.p.write(a, 3 * P, Pattern.i32(0), a)).isZero();
        assertThat(t.p.munmap(a + P, P)).isZero();
        return a;
    }

    @Test
    void dontneedOverAHoleStillZapsTheMappedPartsAndReturnsEnomem() {
        // madvise_walk_vmas skips unmapped ranges, applies the advice to every VMA in the range
        // and only then reports -ENOMEM
        long a = writtenWithHole();
        assertThat(t.p.madvise(a, 3 * P, Mman.MADV_DONTNEED)).isEqualTo(-Errno.ENOMEM);
        MachineFixture.assertReads(t.p, a, P, Pattern.ZERO, a);
        MachineFixture.assertReads(t.p, a + 2 * P, P, Pattern.ZERO, a);
        t.assertCoherent();
    }

    @Test
    void mprotectOverAHoleChangesTheVmasBeforeItThenReturnsEnomem() {
        // do_mprotect_pkey walks the VMAs in order, applying the change to each, and stops with
        // -ENOMEM at the first gap: what lies before the gap is changed, what lies after is not
        long a = writtenWithHole();
        assertThat(t.p.mprotect(a, 3 * P, Mman.PROT_READ)).isEqualTo(-Errno.ENOMEM);
        assertThat(t.p.write(a, 1, Pattern.fillByte(1), a)).isEqualTo(-Errno.EFAULT);
        assertThat(t.p.write(a + 2 * P, 1, Pattern.fillByte(1), a)).isZero();
        t.assertCoherent();
    }

    @Test
    void mprotectStartingInAHoleChangesNothing() {
        long a = writtenWithHole();
        assertThat(t.p.mprotect(a + P, 2 * P, Mman.PROT_READ)).isEqualTo(-Errno.ENOMEM);
        assertThat(t.p.write(a + 2 * P, 1, Pattern.fillByte(1), a)).isZero();
    }
}
