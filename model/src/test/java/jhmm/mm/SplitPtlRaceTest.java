package jhmm.mm;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import jhmm.base.Pattern;
import jhmm.kernel.Machine;
import jhmm.kernel.MachineConfig;
import jhmm.kernel.UserProcess;
import jhmm.phys.ContentStore;
import jhmm.phys.PageFrames;
import jhmm.testing.Budget;
import jhmm.testing.Races;
import org.jetbrains.lincheck.datastructures.Operation;
import org.junit.jupiter.api.Test;

/**
 * Split page-table locks: faults in two PTE tables take two different locks and run at once,
 * so whatever spans both tables must take each table's lock in turn. A zap across the boundary
 * racing the two faults, and a THP split racing a fault in the neighbouring window (both
 * change the same PMD table, under its split PMD lock), must leave every count right: the rss,
 * the tables' entry counts, the mapcounts and references the invariants compare. A walk that
 * changed a table under another table's lock loses one of the updates, which no order of the
 * operations explains (and PageTable's assertions name the change made without its lock).
 */
class SplitPtlRaceTest {
    private static final long P = 4096;
    private static final long M2 = 2L << 20;
    /**
     * The race is in the page tables: frames, contents and the VMA tree change under their own
     * locks; the invariants' check runs alone, after the race (its loop over every frame would
     * read as a spin loop).
     */
    private static final List<String> ATOMIC = List.of(TreeMap.class.getName(), PageFrames.class.getName(), ContentStore.class.getName(),
            MmInvariants.class.getName());
    private static final int ROUNDS = 200;
    /** Far longer than a round takes, even on a loaded machine: then the other thread has failed. */
    private static final int WAIT_SECONDS = 10;

    /** Two 2 MiB windows of 4 KiB pages: a fault at the end of the first, one at the start of the second, a zap of both pages. */
    public static final class FaultsAndZapAcrossTables {
        private final Machine machine = new Machine(MachineConfig.defaults().withRam(8L << 20).withThp(ThpMode.NEVER));
        private final UserProcess proc = machine.createProcess("p");
        private final long base = proc.mmapAligned(2 * M2, M2, Mman.PROT_READ | Mman.PROT_WRITE, Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS, null, 0);

        @Operation
        public int faultLow() {
            return proc.write(base + M2 - P, P, Pattern.i32(1), 0);
        }

        @Operation
        public int faultHigh() {
            return proc.write(base + M2, P, Pattern.i32(2), 0);
        }

        /** MADV_DONTNEED of the two pages: one zap walking both PTE tables. */
        @Operation
        public int zapBoth() {
            return proc.madvise(base + M2 - P, 2 * P, Mman.MADV_DONTNEED);
        }

        /** The pages still resident, and what the invariants found wrong (nothing). */
        @Operation
        public String state() {
            return proc.mm().rss() + " resident " + machine.checkInvariants();
        }
    }

    @Test
    void faultsInTwoTablesRacingAZapOfBothKeepEveryCount() {
        Races.check(FaultsAndZapAcrossTables.class, Budget.UNMEASURED_RACE, ATOMIC,
                Races.race(FaultsAndZapAcrossTables.class, List.of("faultLow", "faultHigh"), List.of("zapBoth"), List.of("state")),
                Races.race(FaultsAndZapAcrossTables.class, List.of("faultLow"), List.of("faultHigh", "zapBoth"), List.of("state")));
    }

    /**
     * A THP in the first window is split by a partial MADV_DONTNEED while a 4 KiB fault in the
     * second window makes that window's PTE table: both change the one PMD table, under its
     * split PMD lock. Real threads (the split's 512-entry loop is too long for Lincheck), each
     * round started at a barrier and checked once both are done.
     */
    @Test
    void aThpSplitRacingAFaultInTheNeighbouringTableKeepsBothWindows() throws Exception {
        Machine machine = new Machine(MachineConfig.defaults().withRam(16L << 20).withThp(ThpMode.ALWAYS));
        UserProcess p = machine.createProcess("p");
        long a = p.mmapAligned(2 * M2, M2, Mman.PROT_READ | Mman.PROT_WRITE, Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS, null, 0);
        assertThat(p.madvise(a + M2, M2, Mman.MADV_NOHUGEPAGE)).as("the second window refuses THPs").isZero();
        CyclicBarrier together = new CyclicBarrier(2);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread faulter = new Thread(() -> {
            try {
                for (int i = 0; i < ROUNDS; i++) {
                    together.await(WAIT_SECONDS, TimeUnit.SECONDS); // the THP is ready, the second window empty
                    assertThat(p.write(a + M2 + P * (i % 512), P, Pattern.i32(i), 0)).isZero();
                    together.await(WAIT_SECONDS, TimeUnit.SECONDS);
                }
            } catch (Throwable e) {
                failure.set(e);
                together.reset();
            }
        }, "faulter");
        faulter.start();
        try {
            for (int i = 0; i < ROUNDS && failure.get() == null; i++) {
                assertThat(p.madvise(a, 2 * M2, Mman.MADV_DONTNEED)).isZero();
                assertThat(p.write(a, M2, Pattern.i32(7), 0)).isZero();
                assertThat(PageStates.of(p.mm(), a)).as("round %d", i).isEqualTo(PageState.HUGE_PMD);
                together.await(WAIT_SECONDS, TimeUnit.SECONDS);
                assertThat(p.madvise(a + M2 - P, P, Mman.MADV_DONTNEED)).isZero(); // splits the PMD
                together.await(WAIT_SECONDS, TimeUnit.SECONDS);
                assertThat(machine.checkInvariants()).as("round %d", i).isEmpty();
                assertThat(p.mm().rss()).as("round %d: the THP less a page, and the neighbour's page", i).isEqualTo(512);
                assertThat(PageStates.of(p.mm(), a)).isEqualTo(PageState.PRESENT_RW);
                assertThat(PageStates.of(p.mm(), a + M2 - P)).isEqualTo(PageState.NONE);
                assertThat(PageStates.of(p.mm(), a + M2 + P * (i % 512))).isEqualTo(PageState.PRESENT_RW);
            }
        } catch (BrokenBarrierException | TimeoutException e) {
            // the faulting thread failed: reported below
        }
        faulter.join(60_000);
        assertThat(failure.get()).as("the faulting thread").isNull();
        assertThat(p.munmap(a, 2 * M2)).isZero();
        assertThat(machine.checkInvariants()).isEmpty();
    }
}
