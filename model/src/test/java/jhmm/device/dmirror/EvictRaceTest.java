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
     * The driver finishes evicting a page (migrate_device_finalize) while mprotect merges the
     * page's VMA into the VMA below (vma_merge). Finalize walks the reverse map without the mmap
     * lock to restore the page's migration entry, so the merge must never leave a moment when
     * neither VMA covers the page (the kernel's merge holds the anon_vma lock the walk takes):
     * a walk meeting such a moment leaves the migration entry, and every later fault there
     * waits forever. The eviction has collected and copied the page before the race.
     */
    public static final class EvictWhileMerging {
        private final Machine machine = new Machine(MachineConfig.defaults().withRam(8L << 20));
        private final UserProcess proc = machine.createProcess("p");
        private final Dmirror mirror = new DmirrorDevice("d", DmirrorDevice.MemoryType.PRIVATE, machine.memory(), 2L << 20).open(proc.mm());
        private final long addr = proc.mmap(0, 2 * P, Mman.PROT_READ | Mman.PROT_WRITE, Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS, null, 0);
        private final long[] src = new long[1];
        private final long[] dst = new long[1];

        public EvictWhileMerging() {
            // two VMAs of one anon_vma, the upper one read-only, its page on the device
            if (proc.write(addr, 2 * P, Pattern.i32(4), addr) != 0 || proc.mprotect(addr + P, P, Mman.PROT_READ) != 0
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

        /** The upper VMA gets the lower one's protection back, and merges into it. */
        @Operation
        public int mprotect() {
            return proc.mprotect(addr + P, P, Mman.PROT_READ | Mman.PROT_WRITE);
        }

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

    @Test
    void evictionRacingAVmaMergeRestoresEveryMigrationEntry() {
        // the race is between the reverse-map walk and the VMA list: page tables, frames and the
        // address space's VMA tree change under their own locks
        Races.check(EvictWhileMerging.class, 300,
                List.of(TreeMap.class.getName(), PageTable.class.getName(), PageFrames.class.getName(), ContentStore.class.getName()),
                Races.race(EvictWhileMerging.class, List.of("mprotect"), List.of("finishEviction"), List.of("migrationEntryLeft")));
    }

    @Test
    void evictionRacingMunmapNeverFreesADeviceFrameTwice() {
        Races.check(EvictWhileUnmapping.class, 300,
                Races.race(EvictWhileUnmapping.class, List.of("munmap"), List.of("evict"), List.of("devicePagesInUse")));
    }
}
