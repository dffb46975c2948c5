package jhmm.device.rnic;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import jhmm.base.PageSize;
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
 * Model checking (Lincheck) of the NIC's page-fault path against its invalidation callback, on
 * the real NIC and machine: the rules of ib_umem_odp and mlx5 that the fault writes the NIC's
 * entries under umem_mutex only if the notifier sequence held, and that the callback takes
 * umem_mutex, so that it waits for a fault writing entries before it zaps and DMA-unmaps.
 * {@code check()} says every NIC entry reaches the frame the CPU maps there and the DMA
 * bookkeeping is clean; it is true in every sequential order, so an interleaving where it is
 * false is a bug Lincheck reports.
 *
 * <p>The driver as written must pass; two planted bugs must be caught: a fault that skips the
 * sequence check under the lock, and a callback that zaps without the lock (it does not wait
 * for the fault in flight, which then writes the address of a page migration is freeing).
 */
class RnicInvalidationLincheckTest {
    private static final long P = PageSize.PAGE_SIZE;

    /** One process with one written page, an ODP region over it and nothing mapped in the NIC yet. */
    public abstract static class Race {
        private final Machine machine = new Machine(MachineConfig.defaults().withRam(4L << 20));
        private final UserProcess proc = machine.createProcess("p");
        private final Rnics nics = new Rnics(machine.memory());
        private final RnicContext ctx;
        private final MemoryRegion mr;
        private final long addr;

        Race(OdpUmem.Bug bug) {
            addr = proc.mmap(0, P, RnicFixture.RW, Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS, null, 0);
            if (addr < 0) {
                throw new IllegalStateException("setup: mmap failed " + addr);
            }
            DmaSystem dma = new DmaSystem(machine.physicalMemory(), true);
            ctx = nics.add("nic", RnicConfig.defaults(), dma.device("nic", 64, true)).open(proc.mm());
            RnicOp reg = ctx.register(MrType.ODP, addr, P, true);
            if (!reg.ok() || proc.write(addr, P, Pattern.i32(0), addr) != 0) {
                throw new IllegalStateException("setup: registration or store failed");
            }
            mr = reg.mr();
            ((OdpUmem) ((RangeMr) mr).umem).bug = bug;
        }

        /** A remote RDMA READ of the page: the NIC faults, the driver maps it. */
        @Operation
        public void fault() {
            ctx.rdmaRead(mr, addr, P, null);
        }

        /** The CPU side moves the page to a new frame: a CLEAR invalidation, then the old frame is freed. */
        @Operation
        public void migrate() {
            machine.migrate(proc, addr, P);
        }

        /** MADV_DONTNEED drops the page: an invalidation, then the frame is freed. */
        @Operation
        public int dontneed() {
            return proc.madvise(addr, P, Mman.MADV_DONTNEED);
        }

        /** The NIC reaches nothing stale and its DMA mappings add up. */
        @Operation
        public boolean check() {
            return nics.violations().isEmpty();
        }
    }

    public static final class FaultRace extends Race {
        public FaultRace() {
            super(OdpUmem.Bug.NONE);
        }
    }

    public static final class MapWithoutRecheckRace extends Race {
        public MapWithoutRecheckRace() {
            super(OdpUmem.Bug.MAP_WITHOUT_RECHECK);
        }
    }

    public static final class ZapWithoutLockRace extends Race {
        public ZapWithoutLockRace() {
            super(OdpUmem.Bug.ZAP_WITHOUT_LOCK);
        }
    }

    @Test
    void theInvalidationWaitsForInFlightNicFaults() {
        Races.check(FaultRace.class, Budget.RACE, Races.race(FaultRace.class, List.of("fault"), List.of("migrate"), List.of("check")),
                Races.race(FaultRace.class, List.of("fault"), List.of("dontneed"), List.of("check")));
    }

    @Test
    void plantedBugMapWithoutTheSequenceCheckIsCaught() {
        Races.assertCaught(MapWithoutRecheckRace.class, Budget.RACE,
                Races.race(MapWithoutRecheckRace.class, List.of("fault"), List.of("dontneed"), List.of("check")));
    }

    @Test
    void plantedBugZapWithoutUmemMutexIsCaught() {
        Races.assertCaught(ZapWithoutLockRace.class, Budget.RACE,
                Races.race(ZapWithoutLockRace.class, List.of("fault"), List.of("migrate"), List.of("check")));
    }

    /** The races start from a page the CPU and the NIC agree on. */
    @Test
    void theStartingStateIsCoherent() {
        assertThat(new FaultRace().check()).isTrue();
    }
}
