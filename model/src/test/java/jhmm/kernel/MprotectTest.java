package jhmm.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import jhmm.base.Errno;
import jhmm.base.Pattern;
import jhmm.mm.Mman;
import org.junit.jupiter.api.Test;

/** mprotect(2) (mm/mprotect.c). */
class MprotectTest {
    private static final long P = MachineFixture.P;

    @Test
    void mprotectOverAHoleChangesTheVmasBeforeItThenReturnsEnomem() {
        // do_mprotect_pkey walks the VMAs in order, applying the change to each, and stops with
        // -ENOMEM at the first gap: what lies before the gap is changed, what lies after is not
        MachineFixture t = new MachineFixture();
        long a = t.anon(t.p, 3 * P, MachineFixture.RW);
        assertThat(t.p.write(a, 3 * P, Pattern.i32(0), a)).isZero();
        assertThat(t.p.munmap(a + P, P)).isZero();
        assertThat(t.p.mprotect(a, 3 * P, Mman.PROT_READ)).isEqualTo(-Errno.ENOMEM);
        assertThat(t.p.write(a, 1, Pattern.fillByte(1), a)).isEqualTo(-Errno.EFAULT);
        assertThat(t.p.write(a + 2 * P, 1, Pattern.fillByte(1), a)).isZero();
        t.assertCoherent();
    }

    @Test
    void mprotectStartingInAHoleChangesNothing() {
        MachineFixture t = new MachineFixture();
        long a = t.anon(t.p, 2 * P, MachineFixture.RW);
        assertThat(t.p.munmap(a, P)).isZero();
        assertThat(t.p.mprotect(a, 2 * P, Mman.PROT_READ)).isEqualTo(-Errno.ENOMEM);
        assertThat(t.p.write(a + P, 1, Pattern.fillByte(1), a)).isZero();
    }
}
