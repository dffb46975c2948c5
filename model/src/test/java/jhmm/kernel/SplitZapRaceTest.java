package jhmm.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
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
 * stress}). Real threads, each round started together at a barrier and checked once both are
 * done; before the fix the first few dozen rounds failed.
 */
class SplitZapRaceTest {
    private static final long P = MachineFixture.P;
    private static final long M2 = MachineFixture.M2;
    private static final int ROUNDS = 300;

    @Test
    @DisplayName("split_huge_page racing MADV_DONTNEED of its pages keeps every count right and the data whole")
    void splitRacingZaps() throws Exception {
        Machine machine = new Machine(MachineConfig.defaults().withRam(16L << 20).withThp(ThpMode.ALWAYS));
        UserProcess p = machine.createProcess("p");
        long a = p.mmapAligned(M2, M2, Mman.PROT_READ | Mman.PROT_WRITE, Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS, null, 0);
        CyclicBarrier together = new CyclicBarrier(2);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread zapper = new Thread(() -> {
            try {
                for (int i = 0; i < ROUNDS; i++) {
                    together.await(30, TimeUnit.SECONDS); // the THP is ready
                    for (int spin = 0; spin < i % 64 * 4; spin++) {
                        Thread.onSpinWait(); // a different moment of the split each round
                    }
                    assertThat(p.madvise(a + P * (1 + i % 509), P, Mman.MADV_DONTNEED)).isZero();
                    together.await(30, TimeUnit.SECONDS); // done
                }
            } catch (Throwable e) {
                failure.set(e);
                together.reset();
            }
        }, "zapper");
        zapper.start();
        byte[] back = new byte[(int) P];
        byte[] want = new byte[(int) P];
        try {
            for (int i = 0; i < ROUNDS && failure.get() == null; i++) {
                // a fresh THP each round, its last page zapped: PTE-mapped, partly mapped, still large
                assertThat(p.madvise(a, M2, Mman.MADV_DONTNEED)).isZero();
                assertThat(p.write(a, M2, Pattern.i32(i), a)).isZero();
                assertThat(p.madvise(a + M2 - P, P, Mman.MADV_DONTNEED)).isZero();
                together.await(30, TimeUnit.SECONDS);
                assertThat(machine.splitThp(p, a)).isIn(0, -Errno.EAGAIN);
                together.await(30, TimeUnit.SECONDS);
                assertThat(machine.checkInvariants()).as("round %d", i).isEmpty();
                long zapped = a + P * (1 + i % 509);
                assertThat(p.read(zapped, back, 0, back.length)).isZero();
                assertThat(back).as("round %d: the zapped page", i).isEqualTo(new byte[(int) P]);
                assertThat(p.read(zapped + P, back, 0, back.length)).isZero();
                Pattern.i32(i).fill(zapped + P - a, want, 0, want.length);
                assertThat(back).as("round %d: the page after it", i).isEqualTo(want);
            }
        } catch (java.util.concurrent.BrokenBarrierException e) {
            // the zapper failed: reported below
        }
        zapper.join(60_000);
        assertThat(failure.get()).as("the zapping thread").isNull();
        assertThat(p.munmap(a, M2)).isZero();
        assertThat(machine.checkInvariants()).isEmpty();
    }
}
