package jhmm.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicReference;
import jhmm.base.Errno;
import jhmm.base.Pattern;
import jhmm.mm.Mman;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Reclaim finds folios by their frames or page-table entries and only then takes a reference;
 * like folio_isolate_lru it must take it only while the folio still has one, or a folio freed
 * meanwhile (by another thread's MADV_DONTNEED) is brought back and freed twice.
 */
class ReclaimRaceTest {
    private static final long P = MachineFixture.P;
    private static final int PAGES = 16;
    private static final int ROUNDS = 20000;

    @Test
    @DisplayName("swap-out racing MADV_DONTNEED and refaults never frees a folio twice or leaves counts wrong")
    void swapOutRacingDontneed() throws Exception {
        MachineFixture t = new MachineFixture();
        long a = t.anon(t.p, PAGES * P, MachineFixture.RW);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread reclaimer = new Thread(() -> {
            try {
                for (int i = 0; i < ROUNDS; i++) {
                    int ret = t.machine.swapout(t.p, a, PAGES * P);
                    assertThat(ret).isIn(0, -Errno.EAGAIN);
                }
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        reclaimer.start();
        for (int i = 0; i < ROUNDS && failure.get() == null; i++) {
            assertThat(t.p.write(a, PAGES * P, Pattern.i32(i), a)).isZero();
            assertThat(t.p.madvise(a, PAGES * P, Mman.MADV_DONTNEED)).isZero();
        }
        reclaimer.join(120_000);
        assertThat(reclaimer.isAlive()).isFalse();
        assertThat(failure.get()).as("the reclaiming thread").isNull();
        assertThat(t.p.write(a, PAGES * P, Pattern.i32(1), a)).isZero();
        MachineFixture.assertReads(t.p, a, PAGES * P, Pattern.i32(1), a);
        t.assertCoherent();
    }
}
