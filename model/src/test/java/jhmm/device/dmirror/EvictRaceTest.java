package jhmm.device.dmirror;

import java.util.List;
import java.util.TreeMap;
import jhmm.base.Pattern;
import jhmm.kernel.Machine;
import jhmm.kernel.MachineConfig;
import jhmm.kernel.UserProcess;
import jhmm.mm.MemorySystem;
import jhmm.mm.MigrateDevice;
import jhmm.mm.MigrateVma;
import jhmm.mm.Mman;
import jhmm.mm.PageStates;
import jhmm.mm.PageTable;
import jhmm.mm.Pte;
import jhmm.phys.ContentStore;
import jhmm.phys.PageFrames;
import jhmm.testing.Budget;
import jhmm.testing.Races;
import org.jetbrains.lincheck.datastructures.Operation;
import org.junit.jupiter.api.Test;

/**
 * The driver evicts its memory (migrate_device_range over a chunk) while the process unmaps the
 * one page it had migrated there. The kernel takes a reference on each device frame only if it
 * still has one (folio_try_get) and locks the folio before collecting it: a frame freed by the
 * munmap meanwhile is skipped, never brought back and freed a second time.
 */
class EvictRaceTest {
    private static final int P = 4096;

    public static final class EvictWhileUnmapping {
        private final Machine machine = new Machine(MachineConfig.defaults().withRam(8L << 20));
        private final UserProcess proc = machine.createProcess("p");
        private final DmirrorDevice device = new DmirrorDevice("d", DmirrorDevice.MemoryType.PRIVATE, machine.memory(), 2L << 20);
        private final Dmirror mirror = device.open(proc.mm());
        private final long addr = proc.mmap(0, P, Mman.PROT_READ | Mman.PROT_WRITE, Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS, null, 0);
        /** The device frame the page moved to. */
        private final int devicePfn;

        public EvictWhileUnmapping() {
            if (proc.write(addr, P, Pattern.i32(3), addr) != 0 || mirror.migrateToDev(new DmirrorCmd(addr, 1, new byte[P])) != 0) {
                throw new IllegalStateException("setup: the page did not move to the device");
            }
            long entry = PageStates.entryAt(proc.mm(), addr);
            if (!Pte.isDevicePrivate(entry)) {
                throw new IllegalStateException("setup: no device-private entry at the page");
            }
            devicePfn = Pte.pfn(entry);
        }

        @Operation
        public int munmap() {
            return proc.munmap(addr, P);
        }

        /** dmirror_device_evict_chunk narrowed to that one frame, so that Lincheck can explore it. */
        @Operation
        public void evict() {
            DmirrorMigration.evict(machine.memory(), devicePfn, 1);
        }

        /** Device pages handed out and not returned: 0 once the page is gone, whichever went first. */
        @Operation
        public long devicePagesInUse() {
            return device.pagesInUse();
        }

    }

    /**
     * Two pages of one anon_vma, the upper one evicted from the device up to
     * migrate_device_finalize (collected into a migration entry and copied), which then races
     * the subclass's mprotect. Finalize walks the reverse map without the mmap lock to restore
     * the page's migration entry; a walk that misses the page leaves the entry, and every later
     * fault there waits forever.
     */
    public abstract static class FinishEvictionRacingMprotect {
        final Machine machine = new Machine(MachineConfig.defaults().withRam(8L << 20));
        final UserProcess proc = machine.createProcess("p");
        private final Dmirror mirror = new DmirrorDevice("d", DmirrorDevice.MemoryType.PRIVATE, machine.memory(), 2L << 20).open(proc.mm());
        final long addr = proc.mmap(0, 2 * P, Mman.PROT_READ | Mman.PROT_WRITE, Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS, null, 0);
        private final long[] src = new long[1];
        private final long[] dst = new long[1];

        /** {@code upperProt}: the upper page's protection before the race (its own VMA unless read-write). */
        FinishEvictionRacingMprotect(int upperProt) {
            if (proc.write(addr, 2 * P, Pattern.i32(4), addr) != 0 || proc.mprotect(addr + P, P, upperProt) != 0
                    || mirror.migrateToDev(new DmirrorCmd(addr + P, 1, new byte[P])) != 0) {
                throw new IllegalStateException("setup: the upper page did not move to the device");
            }
            long entry = PageStates.entryAt(proc.mm(), addr + P);
            MemorySystem sys = machine.memory();
            // migrate_device_range and migrate_device_pages: the page is unmapped and copied
            if (!Pte.isDevicePrivate(entry) || MigrateDevice.deviceRange(sys, src, Pte.pfn(entry), 1) != 1) {
                throw new IllegalStateException("setup: the device page was not collected");
            }
            int to = sys.allocSystemFolio(0);
            sys.phys().data().copyTo(Pte.pfn(entry), sys.phys().data(), to);
            dst[0] = MigrateVma.entry(to);
            MigrateDevice.devicePages(sys, src, dst, 1);
        }

        @Operation
        public abstract int mprotect();

        /** migrate_device_finalize: the migration entry becomes a mapping of the system page. */
        @Operation
        public void finishEviction() {
            MigrateDevice.deviceFinalize(machine.memory(), src, dst, 1);
        }

        /** A migration entry left at the page once both are over: no migration will restore it. */
        @Operation
        public boolean migrationEntryLeft() {
            return Pte.isMigration(PageStates.entryAt(proc.mm(), addr + P));
        }
    }

    /**
     * mprotect merges the page's VMA into the VMA below (vma_merge): the merge must never leave
     * a moment when neither VMA covers the page (the kernel's merge holds the anon_vma lock the
     * walk takes).
     */
    public static final class EvictWhileMerging extends FinishEvictionRacingMprotect {
        public EvictWhileMerging() {
            super(Mman.PROT_READ);
        }

        /** The upper VMA gets the lower one's protection back, and merges into it. */
        @Override
        public int mprotect() {
            return proc.mprotect(addr + P, P, Mman.PROT_READ | Mman.PROT_WRITE);
        }
    }

    /**
     * mprotect splits the page's VMA (__split_vma). The new VMA joins the anon_vma before the
     * old one shrinks, but the finalize's walk may have listed the anon_vma's VMAs before the
     * first step and read the old one's bounds after the second. The kernel's split changes
     * both under the anon_vma lock, which the walk holds from its first VMA to its last, so the
     * walk sees the VMAs as they were or as they are, never half-way.
     */
    public static final class EvictWhileSplitting extends FinishEvictionRacingMprotect {
        public EvictWhileSplitting() {
            super(Mman.PROT_READ | Mman.PROT_WRITE);
        }

        /** The lower page becomes read-only: the VMA splits, the upper page goes to a new VMA. */
        @Override
        public int mprotect() {
            return proc.mprotect(addr, P, Mman.PROT_READ);
        }
    }

    @Test
    void evictionRacingAVmaMergeRestoresEveryMigrationEntry() {
        checkMigrationEntryRestored(EvictWhileMerging.class, Budget.DEEPEST_RACE);
    }

    @Test
    void evictionRacingAVmaSplitRestoresEveryMigrationEntry() {
        checkMigrationEntryRestored(EvictWhileSplitting.class, Budget.RACE);
    }

    private static void checkMigrationEntryRestored(Class<? extends FinishEvictionRacingMprotect> race, Budget budget) {
        // the race is between the reverse-map walk and the VMA list: page tables, frames and the
        // address space's VMA tree change under their own locks
        Races.check(race, budget,
                List.of(TreeMap.class.getName(), PageTable.class.getName(), PageFrames.class.getName(), ContentStore.class.getName()),
                Races.race(race, List.of("mprotect"), List.of("finishEviction"), List.of("migrationEntryLeft")));
    }

    @Test
    void evictionRacingMunmapNeverFreesADeviceFrameTwice() {
        Races.check(EvictWhileUnmapping.class, Budget.DEEPEST_RACE,
                Races.race(EvictWhileUnmapping.class, List.of("munmap"), List.of("evict"), List.of("devicePagesInUse")));
    }
}
