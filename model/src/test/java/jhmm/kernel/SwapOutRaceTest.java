package jhmm.kernel;

import java.util.List;
import jhmm.base.Pattern;
import jhmm.mm.Mman;
import jhmm.testing.Budget;
import jhmm.testing.Races;
import org.jetbrains.lincheck.datastructures.Operation;
import org.junit.jupiter.api.Test;

/**
 * Reclaim swaps a page out while a CPU stores to it. The kernel unmaps the page first
 * (try_to_unmap, with the TLB flushed) and writes it to swap only then, under the folio lock:
 * a store either lands before the unmap and goes to swap with the page, or faults the page back
 * in afterwards. It is never lost.
 */
class SwapOutRaceTest {
    private static final long P = MachineFixture.P;

    public static final class StoreWhileSwapping {
        private final Machine machine = new Machine(MachineConfig.defaults().withRam(8L << 20).withSwap(4L << 20));
        private final UserProcess proc = machine.createProcess("p");
        private final long addr = proc.mmap(0, P, Mman.PROT_READ | Mman.PROT_WRITE, Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS, null, 0);

        public StoreWhileSwapping() {
            if (proc.write(addr, P, Pattern.i32(1), addr) != 0) {
                throw new IllegalStateException("setup: write failed");
            }
        }

        @Operation
        public int store() {
            return proc.write(addr, P, Pattern.i32(2), addr);
        }

        @Operation
        public int swapout() {
            return machine.swapout(proc, addr, P);
        }

        @Operation
        public int load() {
            byte[] b = new byte[4];
            proc.read(addr, b, 0, 4);
            return b[0];
        }

    }

    @Test
    void aStoreRacingSwapOutIsNeverLost() {
        Races.check(StoreWhileSwapping.class, Budget.RACE,
                Races.race(StoreWhileSwapping.class, List.of("store"), List.of("swapout"), List.of("load")));
    }
}
