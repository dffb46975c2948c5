package jhmm.mm;

import static org.assertj.core.api.Assertions.assertThat;

import jhmm.base.Errno;
import jhmm.kernel.Machine;
import jhmm.kernel.MachineConfig;
import jhmm.kernel.Process;
import org.junit.jupiter.api.Test;

/** mremap as Linux 6.18 does it on the host: which ranges it accepts, where it puts them, what it merges. */
class MremapTest {
    private static final long P = 4096;
    private static final int RW = Mman.PROT_READ | Mman.PROT_WRITE;

    private final Machine machine = new Machine(MachineConfig.defaults().withRam(256L << 20));
    private final Process p = machine.createProcess("p");

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
}
