package jhmm.mm;

import static jhmm.gup.EdgeCaseSupport.P;
import static jhmm.gup.EdgeCaseSupport.written;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import jhmm.gup.Foll;
import jhmm.gup.Gup;
import jhmm.kernel.Machine;
import jhmm.kernel.MachineConfig;
import jhmm.kernel.UserProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * GUP-fast against fork (gup-migrate-dma.md, Corrections 8): while fork write-protects a COW
 * mapping (mm->write_protect_seq odd), pin_user_pages_fast keeps nothing from its lockless
 * walk and leaves the work to the slow path, which waits for fork's mmap lock; FOLL_GET is
 * not concerned. The test stands in for fork: it holds the mmap write lock with the count odd.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class GupFastForkInterlockTest {
    private final Machine machine = new Machine(MachineConfig.defaults().withRam(64L << 20));
    private final UserProcess p = machine.createProcess("p");

    @Test
    void pinFastDuringForkWaitsForSlowPath() throws InterruptedException {
        long a = written(p, P);
        Mm mm = p.mm();
        int[] got = new int[1];
        AtomicLong pinned = new AtomicLong(Long.MIN_VALUE);
        mm.mmapLock().writeLock().lock();
        mm.bumpWriteProtectSeq();
        Thread gup = new Thread(() -> pinned.set(Gup.pinUserPagesFast(mm, a, 1, Foll.WRITE, got)));
        try {
            assertThat(Gup.getUserPagesFast(mm, a, 1, Foll.WRITE, new int[1])).as("FOLL_GET is not held up").isEqualTo(1);
            Gup.putPage(machine.physicalMemory(), PageStates.frameAt(mm, a));
            gup.start();
            long deadline = System.nanoTime() + Duration.ofMillis(300).toNanos();
            while (gup.isAlive() && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertThat(gup.isAlive()).as("the pin left the lockless walk and waits for the mmap lock").isTrue();
            assertThat(pinned.get()).isEqualTo(Long.MIN_VALUE);
        } finally {
            mm.bumpWriteProtectSeq();
            mm.mmapLock().writeLock().unlock();
        }
        gup.join(20_000);
        assertThat(pinned.get()).isEqualTo(1);
        Gup.unpinUserPage(machine.physicalMemory(), got[0]);
        assertThat(machine.checkInvariants()).isEmpty();
    }
}
