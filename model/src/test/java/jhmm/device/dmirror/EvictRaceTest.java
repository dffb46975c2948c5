package jhmm.device.dmirror;

import java.util.List;
import jhmm.base.Pattern;
import jhmm.kernel.Machine;
import jhmm.kernel.MachineConfig;
import jhmm.kernel.UserProcess;
import jhmm.mm.Mman;
import jhmm.mm.PageStates;
import jhmm.mm.Pte;
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

    @Test
    void evictionRacingMunmapNeverFreesADeviceFrameTwice() {
        Races.check(EvictWhileUnmapping.class, 300,
                Races.race(EvictWhileUnmapping.class, List.of("munmap"), List.of("evict"), List.of("devicePagesInUse")));
    }
}
