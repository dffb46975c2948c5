package jhmm.mm;

import static org.assertj.core.api.Assertions.assertThat;

import jhmm.base.PageSize;
import jhmm.base.Pattern;
import jhmm.kernel.Machine;
import jhmm.kernel.MachineConfig;
import jhmm.kernel.UserProcess;
import org.junit.jupiter.api.Test;

/**
 * When Linux 6.18 frees a PTE table after an unmapping (free_pgtables): only when no VMA is
 * left in its 2 MiB window, whether or not the table still holds entries of its own.
 */
class PteTableFreeTest {
    private static final long P = PageSize.PAGE_SIZE;
    private static final long M2 = PageSize.PMD_SIZE;

    private final Machine machine = new Machine(MachineConfig.defaults().withRam(64L << 20));
    private final UserProcess p = machine.createProcess("p");

    private boolean hasPteTable(long addr) {
        return p.mm().pt.pteTable(addr, false) >= 0;
    }

    @Test
    void munmapKeepsAnEmptiedPteTableAnotherVmaStillShares() {
        long a = p.mmapAligned(8 * P, M2, Mman.PROT_READ | Mman.PROT_WRITE, Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS, null, 0);
        assertThat(p.write(a, 1, Pattern.ZERO, a)).isZero();
        assertThat(p.munmap(a, P)).isZero();
        assertThat(hasPteTable(a)).as("[a + P, a + 8P) is still in the window").isTrue();
        assertThat(p.munmap(a + P, 7 * P)).isZero();
        assertThat(hasPteTable(a)).as("nothing left in the window").isFalse();
    }
}
