package jhmm.hmm.api2019;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import jhmm.base.Pattern;
import jhmm.kernel.Machine;
import jhmm.kernel.MachineConfig;
import jhmm.kernel.UserProcess;
import jhmm.mm.Mman;
import org.junit.jupiter.api.Test;

/**
 * 5.2's per-mm hmm registers its notifier under the mmap lock the caller holds
 * (__mmu_notifier_register), so registering a range first, with only the read lock held, works.
 */
class RegistrationLockTest {
    @Test
    void legacyVmaFaultUnderTheReadLockCreatesThePerMmHmmWithoutDeadlock() {
        Machine machine = new Machine(MachineConfig.defaults().withRam(64L << 20));
        UserProcess p = machine.createProcess("p");
        long a = p.mmap(0, 4 * 4096, Mman.PROT_READ | Mman.PROT_WRITE, Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS, null, 0);
        p.write(a, 4 * 4096, Pattern.i32(0), a);
        HmmRange range = new HmmRange(new long[4], new long[] {1, 2, 4}, new long[] {-2L, 0, -3L}, 6);
        range.start = a;
        range.end = a + 4 * 4096;
        range.pfns[0] = 1;
        int ret = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            p.mm().mmapLock().readLock().lock();
            int r = Hmm52.vmaFault(range, p.mm(), true);
            if (r == 0) {
                p.mm().mmapLock().readLock().unlock();
            }
            return r;
        });
        assertThat(ret).isZero();
        assertThat(range.decode(range.pfns[0])).isPositive();
        assertThat(Hmm52.vmaRangeDone(range)).isTrue();
    }
}
