package jhmm.device.gpu;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import jhmm.base.Pattern;
import jhmm.dma.DmaSystem;
import jhmm.kernel.Machine;
import jhmm.kernel.MachineConfig;
import jhmm.kernel.UserProcess;
import jhmm.mm.Mman;
import jhmm.testing.Budget;
import jhmm.testing.Races;
import org.jetbrains.lincheck.datastructures.Operation;
import org.junit.jupiter.api.Test;

/**
 * Model checking (Lincheck) of the GPU's fault handler against its invalidation callback, on the
 * real GPU and machine: drm_gpusvm's rules that the bind re-checks, under the notifier lock, that
 * the pages get_pages found are still valid, and that the callback undoes the DMA mappings under
 * that lock. {@code check()} says the GPU page table reaches only frames the CPU maps there and
 * the GPU's DMA bookkeeping is clean; it is always true in any sequential order, so an
 * interleaving where it is false is a bug Lincheck reports.
 *
 * <p>The driver as written must pass; two planted bugs must be caught: a bind that skips the
 * re-check (it programs DMA addresses a migration has just unmapped), and a callback that
 * DMA-unmaps after dropping the lock (two invalidations of the range then both unmap its mapping).
 */
class GpuInvalidationLincheckTest {
    private static final long P = GpuFixture.P;

    /** One process with one written page, a GPU (system memory only, 4K ranges) mirroring it. */
    public abstract static class Race {
        private final Machine machine = new Machine(MachineConfig.defaults().withRam(4L << 20));
        private final UserProcess proc = machine.createProcess("p");
        private final GpuDevice gpu;
        private final GpuVm vm;
        private final long addr;

        Race(GpuSvm.Bug bug, boolean mapped) {
            addr = proc.mmap(0, P, GpuFixture.RW, Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS, null, 0);
            if (addr < 0 || proc.write(addr, P, Pattern.i32(0), addr) != 0) {
                throw new IllegalStateException("setup: mmap/write failed " + addr);
            }
            DmaSystem dma = new DmaSystem(machine.physicalMemory(), true);
            gpu = new GpuDevice("g", GpuFixture.sysOnly(P), machine.memory(), dma.device("g", 64, true));
            vm = gpu.open(proc.mm());
            vm.svm.bug = bug;
            if (mapped && vm.fault(addr, GpuAccess.READ, GpuVm.Placement.POLICY) != 0) {
                throw new IllegalStateException("setup: GPU fault failed");
            }
        }

        /** A GPU fault on the page: get_pages, then bind. */
        @Operation
        public void fault() {
            vm.fault(addr, GpuAccess.READ, GpuVm.Placement.POLICY);
        }

        /** The CPU side moves the page to a new frame: a CLEAR invalidation of the range. */
        @Operation
        public void migrate() {
            machine.migrate(proc, addr, P);
        }

        /** MADV_DONTNEED drops the page: another invalidation of the same range. */
        @Operation
        public void dontneed() {
            proc.madvise(addr, P, Mman.MADV_DONTNEED);
        }

        /** The GPU reaches nothing stale and its DMA mappings add up. */
        @Operation
        public boolean check() {
            return gpu.violations().isEmpty();
        }
    }

    public static final class FaultRace extends Race {
        public FaultRace() {
            super(GpuSvm.Bug.NONE, false);
        }
    }

    public static final class BindWithoutRecheckRace extends Race {
        public BindWithoutRecheckRace() {
            super(GpuSvm.Bug.BIND_WITHOUT_RECHECK, false);
        }
    }

    public static final class TwoInvalidationsRace extends Race {
        public TwoInvalidationsRace() {
            super(GpuSvm.Bug.NONE, true);
        }
    }

    public static final class UnmapOutsideLockRace extends Race {
        public UnmapOutsideLockRace() {
            super(GpuSvm.Bug.DMA_UNMAP_OUTSIDE_LOCK, true);
        }
    }

    @Test
    void theBindReChecksUnderTheNotifierLock() {
        Races.check(FaultRace.class, Budget.DEEPER_RACE, Races.race(FaultRace.class, List.of("fault"), List.of("dontneed"), List.of("check")),
                Races.race(FaultRace.class, List.of("fault"), List.of("migrate"), List.of("check")));
    }

    @Test
    void plantedBugBindWithoutTheReCheckIsCaught() {
        Races.assertCaught(BindWithoutRecheckRace.class, Budget.DEEPER_RACE,
                Races.race(BindWithoutRecheckRace.class, List.of("fault"), List.of("migrate"), List.of("check")));
    }

    @Test
    void theCallbackUnmapsUnderTheNotifierLock() {
        Races.check(TwoInvalidationsRace.class, Budget.RACE,
                Races.race(TwoInvalidationsRace.class, List.of("migrate"), List.of("dontneed"), List.of("check")));
    }

    @Test
    void plantedBugDmaUnmapOutsideTheLockIsCaught() {
        Races.assertCaught(UnmapOutsideLockRace.class, Budget.RACE,
                Races.race(UnmapOutsideLockRace.class, List.of("migrate"), List.of("dontneed"), List.of("check")));
    }

    /** The races start from a page the CPU and GPU agree on. */
    @Test
    void theStartingStatesAreCoherent() {
        assertThat(new TwoInvalidationsRace().check()).isTrue();
        assertThat(new FaultRace().check()).isTrue();
    }
}
