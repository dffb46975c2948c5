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
import jhmm.phys.BuddyAllocator;
import jhmm.phys.ContentStore;
import jhmm.phys.PageFrames;
import jhmm.testing.Budget;
import jhmm.testing.Races;
import org.jetbrains.lincheck.datastructures.Operation;
import org.junit.jupiter.api.Test;

/**
 * Migration to device memory racing the process, explored by Lincheck; after both, no device
 * table may name a frame the CPU does not map there. Found by {@code jhmm stress}.
 */
class MigrateToDevRaceTest {
    private static final int P = 4096;

    /**
     * MADV_DONTNEED while the device migrates the page: the zap clears the migration entry, so
     * the CPU never maps the new device page and migrate_vma_finalize frees it after the driver
     * stored it in its table.
     */
    public static final class MigrateWhileDiscarding {
        private final Machine machine = new Machine(MachineConfig.defaults().withRam(8L << 20));
        private final UserProcess proc = machine.createProcess("p");
        private final Dmirror mirror = new DmirrorDevice("d", DmirrorDevice.MemoryType.PRIVATE, machine.memory(), 2L << 20).open(proc.mm());
        private final long addr = proc.mmap(0, P, Mman.PROT_READ | Mman.PROT_WRITE, Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS, null, 0);

        public MigrateWhileDiscarding() {
            if (proc.write(addr, P, Pattern.i32(5), addr) != 0) {
                throw new IllegalStateException("setup: the store failed");
            }
        }

        /** Its result depends on the order (-ENOENT when the page went first): only the table is checked. */
        @Operation
        public void migrate() {
            mirror.migrateToDev(new DmirrorCmd(addr, 1, new byte[P]));
        }

        @Operation
        public int discard() {
            return proc.madvise(addr, P, Mman.MADV_DONTNEED);
        }

        @Operation
        public boolean stale() {
            return MigrateToDevRaceTest.stale(mirror, addr);
        }
    }

    /**
     * A second device mirrors the zero page while the first migrates that unpopulated page: the
     * hole is filled in migrate_vma_pages, after setup's invalidation ended, so it needs its own.
     */
    public static final class FillHoleWhileMirroring {
        private final Machine machine = new Machine(MachineConfig.defaults().withRam(8L << 20));
        private final UserProcess proc = machine.createProcess("p");
        private final Dmirror mover = new DmirrorDevice("d0", DmirrorDevice.MemoryType.PRIVATE, machine.memory(), 2L << 20).open(proc.mm());
        private final Dmirror reader = new DmirrorDevice("d1", DmirrorDevice.MemoryType.PRIVATE, machine.memory(), 2L << 20).open(proc.mm());
        private final long addr = proc.mmap(0, P, Mman.PROT_READ | Mman.PROT_WRITE, Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS, null, 0);

        public FillHoleWhileMirroring() {
            byte[] zero = new byte[1];
            if (proc.read(addr, zero, 0, 1) != 0) { // the zero page, mapped read-only
                throw new IllegalStateException("setup: the load failed");
            }
        }

        /** Not atomic with the read that follows it: the reader may take the page back first (-ENOENT). */
        @Operation
        public void migrate() {
            mover.migrateToDev(new DmirrorCmd(addr, 1, new byte[P]));
        }

        @Operation
        public int mirror() {
            return reader.read(new DmirrorCmd(addr, 1, new byte[P]));
        }

        @Operation
        public boolean stale() {
            return MigrateToDevRaceTest.stale(reader, addr);
        }
    }

    /**
     * The device's memory is evicted while the device migrates the page there: the eviction
     * collects the new device page after migrate_vma_finalize mapped it and before the driver
     * stores it in its table, so its invalidation comes before the driver's read_begin and its
     * own finalize (run after the race here) only then frees the page. As with a CPU fault's
     * migrate_to_ram, which {@code jhmm stress} found, the driver must store only a page the
     * CPU still maps there, not one merely still in use.
     */
    public static final class MigrateWhileEvicting {
        private final Machine machine = new Machine(MachineConfig.defaults().withRam(8L << 20));
        private final UserProcess proc = machine.createProcess("p");
        private final Dmirror mirror = new DmirrorDevice("d", DmirrorDevice.MemoryType.PRIVATE, machine.memory(), 2L << 20).open(proc.mm());
        private final long addr = proc.mmap(0, P, Mman.PROT_READ | Mman.PROT_WRITE, Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS, null, 0);
        /** The device page the migration gets: the one a first round trip freed last. */
        private final int devicePfn;
        private final long[] src = new long[1];
        private final long[] dst = new long[1];

        public MigrateWhileEvicting() {
            if (proc.write(addr, P, Pattern.i32(6), addr) != 0 || mirror.migrateToDev(new DmirrorCmd(addr, 1, new byte[P])) != 0) {
                throw new IllegalStateException("setup: the page did not move to the device");
            }
            devicePfn = Pte.pfn(PageStates.entryAt(proc.mm(), addr));
            if (mirror.migrateToSys(new DmirrorCmd(addr, 1, new byte[P])) != 0) {
                throw new IllegalStateException("setup: the page did not come back");
            }
        }

        /** Its result depends on the order (-ENOENT when the eviction went first): only the table is checked. */
        @Operation
        public void migrate() {
            mirror.migrateToDev(new DmirrorCmd(addr, 1, new byte[P]));
        }

        /** migrate_device_range and migrate_device_pages over the device page: collected, copied, not yet restored. */
        @Operation
        public void evictStart() {
            MemorySystem sys = machine.memory();
            if (MigrateDevice.deviceRange(sys, src, devicePfn, 1) == 1) {
                int to = sys.allocSystemFolio(0);
                sys.phys().data().copyTo(devicePfn, sys.phys().data(), to);
                dst[0] = MigrateVma.entry(to);
                MigrateDevice.devicePages(sys, src, dst, 1);
            }
        }

        /** migrate_device_finalize: the page is back in RAM and the device page freed. */
        @Operation
        public void evictFinish() {
            MigrateDevice.deviceFinalize(machine.memory(), src, dst, 1);
        }

        @Operation
        public boolean stale() {
            return MigrateToDevRaceTest.stale(mirror, addr);
        }
    }

    /**
     * Whether the mirror's entry for the page names a frame the CPU does not map there: one
     * entry's check, as {@link Dmirror#staleEntries} makes for each (whose walk over the whole
     * table Lincheck takes for a spin loop).
     */
    static boolean stale(Dmirror mirror, long addr) {
        long e = mirror.pt.load(addr >>> 12);
        return e >= 0 && DeviceMirrorCheck.mismatch(mirror.device, mirror.mm, addr, DevicePageTable.pfn(e), DevicePageTable.tag(e)) != null;
    }

    @Test
    void aPageDiscardedDuringItsMigrationLeavesNoDeviceEntry() {
        Races.check(MigrateWhileDiscarding.class, Budget.RACE,
                Races.race(MigrateWhileDiscarding.class, List.of("migrate"), List.of("discard"), List.of("stale")));
    }

    @Test
    void aPageEvictedDuringItsMigrationLeavesNoDeviceEntry() {
        // the race is between the driver storing the page and the eviction as a whole: what
        // changes under a lock of its own (frames, page tables, data, allocators, the device's
        // table, the VMA tree) is taken as one step, so that the invocations reach the moment
        // between the migration's finalize and the driver's read_begin
        Races.check(MigrateWhileEvicting.class, Budget.DEEP_RACE, List.of(PageFrames.class.getName(), PageTable.class.getName(),
                ContentStore.class.getName(), BuddyAllocator.class.getName(), DevicePageTable.class.getName(),
                DmirrorMemory.class.getName(), TreeMap.class.getName()),
                Races.race(MigrateWhileEvicting.class, List.of("migrate"), List.of("evictStart"), List.of("evictFinish", "stale")));
    }

    @Test
    void aHoleFilledByMigrationInvalidatesOtherMirrors() {
        Races.check(FillHoleWhileMirroring.class, Budget.RACE,
                Races.race(FillHoleWhileMirroring.class, List.of("migrate"), List.of("mirror"), List.of("stale")));
    }
}
