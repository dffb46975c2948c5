package jhmm.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import jhmm.base.Errno;
import jhmm.base.Pattern;
import jhmm.mm.Mman;
import jhmm.mm.ThpMode;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * split_huge_page of a PTE-mapped THP while MADV_DONTNEED zaps its pages. The kernel first
 * replaces every mapping of the folio by a migration entry (unmap_folio), then freezes the
 * reference count at what its holders explain, splits, and maps the new small folios back
 * (remap_page): a zap meanwhile meets a migration entry and drops no reference. A split that
 * counted the mapcounts of a still-mapped folio handed out references a racing zap had already
 * dropped, or the zap dropped one from a frozen count: an underflow (found by {@code jhmm
 * stress}). Real threads: each round starts both at a barrier, one splitting a fresh THP while
 * the other zaps its pages one after another until the split is over, and is checked once
 * both are done.
 */
class SplitZapRaceTest {
    private static final long P = MachineFixture.P;
    private static final long M2 = MachineFixture.M2;
    private static final int ROUNDS = 300;
    /** The pages after the first that the zapping thread takes in turn. */
    private static final int ZAPPED = 64;
    /** Far longer than a round takes, even on a loaded machine: then the other thread has failed. */
    private static final int WAIT_SECONDS = 10;

    @Test
    @DisplayName("split_huge_page racing MADV_DONTNEED of its pages keeps every count right and the data whole")
    void splitRacingZaps() throws Exception {
        Machine machine = new Machine(MachineConfig.defaults().withRam(16L << 20).withThp(ThpMode.ALWAYS));
        UserProcess p = machine.createProcess("p");
        long a = p.mmapAligned(M2, M2, Mman.PROT_READ | Mman.PROT_WRITE, Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS, null, 0);
        CyclicBarrier together = new CyclicBarrier(2);
        AtomicBoolean splitting = new AtomicBoolean();
        AtomicInteger zaps = new AtomicInteger();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread zapper = new Thread(() -> {
            try {
                for (int i = 0; i < ROUNDS; i++) {
                    together.await(WAIT_SECONDS, TimeUnit.SECONDS); // the THP is ready
                    // one page after the other for as long as the split runs, at least once
                    int k = 0;
                    do {
                        assertThat(p.madvise(a + P * (1 + k % ZAPPED), P, Mman.MADV_DONTNEED)).isZero();
                        k++;
                    } while (splitting.get());
                    zaps.set(k);
                    together.await(WAIT_SECONDS, TimeUnit.SECONDS); // done
                }
            } catch (Throwable e) {
                failure.set(e);
                together.reset();
            }
        }, "zapper");
        zapper.start();
        byte[] back = new byte[(int) M2];
        byte[] want = new byte[(int) M2];
        try {
            for (int i = 0; i < ROUNDS && failure.get() == null; i++) {
                // a fresh THP each round, its last page zapped: PTE-mapped, partly mapped, still large
                assertThat(p.madvise(a, M2, Mman.MADV_DONTNEED)).isZero();
                assertThat(p.write(a, M2, Pattern.i32(i), a)).isZero();
                assertThat(p.madvise(a + M2 - P, P, Mman.MADV_DONTNEED)).isZero();
                splitting.set(true);
                together.await(WAIT_SECONDS, TimeUnit.SECONDS);
                assertThat(machine.splitThp(p, a)).isIn(0, -Errno.EAGAIN);
                splitting.set(false);
                together.await(WAIT_SECONDS, TimeUnit.SECONDS);
                assertThat(machine.checkInvariants()).as("round %d", i).isEmpty();
                assertThat(p.read(a, back, 0, back.length)).isZero();
                Pattern.i32(i).fill(0, want, 0, want.length);
                Arrays.fill(want, (int) P, (int) (P * (1 + Math.min(zaps.get(), ZAPPED))), (byte) 0);
                Arrays.fill(want, (int) (M2 - P), (int) M2, (byte) 0);
                assertThat(back).as("round %d", i).isEqualTo(want);
            }
        } catch (BrokenBarrierException | TimeoutException e) {
            // the zapper failed (before or after reaching the barrier): reported below
        }
        zapper.join(60_000);
        assertThat(failure.get()).as("the zapping thread").isNull();
        assertThat(p.munmap(a, M2)).isZero();
        assertThat(machine.checkInvariants()).isEmpty();
    }
}
