package jhmm.notifier;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicInteger;
import jhmm.base.Pattern;
import jhmm.kernel.Machine;
import jhmm.kernel.MachineConfig;
import jhmm.kernel.UserProcess;
import jhmm.mm.Mm;
import jhmm.mm.Mman;
import org.junit.jupiter.api.Test;

/**
 * The young-bit queries of classic subscriptions (mmu_notifier_clear_flush_young, clear_young,
 * test_young): answers are OR-ed, and reclaim gives a page a secondary MMU used a second chance.
 */
class YoungQueriesTest {
    /** A secondary MMU that reports every range young, and counts the questions. */
    static final class AlwaysYoung implements MmuNotifier {
        final AtomicInteger asked = new AtomicInteger();

        @Override
        public boolean clearFlushYoung(Mm mm, long start, long end) {
            asked.incrementAndGet();
            return true;
        }

        @Override
        public boolean clearYoung(Mm mm, long start, long end) {
            return true;
        }

        @Override
        public boolean testYoung(Mm mm, long addr) {
            return addr == 0x1000;
        }
    }

    @Test
    void answersAreCombinedAcrossSubscribers() {
        Machine machine = new Machine(MachineConfig.defaults().withRam(64L << 20));
        Mm mm = machine.createProcess("p").mm();
        MmuNotifierSubscriptions subs = MmuNotifiers.subscriptions(mm);
        assertThat(subs.clearYoung(0, 0x2000)).isFalse();
        assertThat(MmuNotifiers.register(new MmuNotifier() {}, mm)).isZero();
        assertThat(MmuNotifiers.register(new AlwaysYoung(), mm)).isZero();
        assertThat(subs.clearYoung(0, 0x2000)).isTrue();
        assertThat(subs.testYoung(0x1000)).isTrue();
        assertThat(subs.testYoung(0x3000)).isFalse();
    }

    @Test
    void reclaimAsksTheSecondaryMmuAndSparesWhatItUsed() {
        Machine machine = new Machine(MachineConfig.defaults().withRam(8L << 20).withSwap(32L << 20));
        UserProcess p = machine.createProcess("p");
        AlwaysYoung device = new AlwaysYoung();
        assertThat(MmuNotifiers.register(device, p.mm())).isZero();
        long a = p.mmap(0, 4L << 20, Mman.PROT_READ | Mman.PROT_WRITE, Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS, null, 0);
        p.write(a, 4L << 20, Pattern.i32(0), a);
        UserProcess q = machine.createProcess("q");
        long b = q.mmap(0, 4L << 20, Mman.PROT_READ | Mman.PROT_WRITE, Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS, null, 0);
        q.write(b, 4L << 20, Pattern.i32(1), b);
        assertThat(device.asked.get()).isPositive();
        assertThat(machine.stats().pswpout.get()).isPositive();
        for (long off = 0; off < (4L << 20); off += 4096) {
            assertThat(p.pageState(a + off)).as("page %x the device keeps using", off).isNotEqualTo(jhmm.mm.PageState.SWAP);
        }
        assertThat(machine.checkInvariants()).isEmpty();
    }
}
