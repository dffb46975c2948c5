package jhmm.phys;

import java.util.List;
import jhmm.base.Pattern;
import jhmm.testing.Budget;
import jhmm.testing.Races;
import org.jetbrains.lincheck.datastructures.Operation;
import org.junit.jupiter.api.Test;

/**
 * A device adds memory (memremap_pages, from its driver's thread) while a CPU takes a reference
 * on a RAM folio, sets one of its flags and writes its data. In the kernel the new struct pages
 * go into a new memory section and the existing ones never move, so nothing done meanwhile to a
 * RAM frame is lost.
 */
class FrameGrowRaceTest {
    public static final class GrowWhileUsed {
        private final PhysicalMemory phys = new PhysicalMemory(4L << 20, 0, 0);
        private final int pfn = phys.allocFolio(0);

        @Operation
        public void addDeviceMemory() {
            phys.memremapPages(new DevPagemap(DevPagemap.Type.PRIVATE, this, (h, o) -> {}), 1);
        }

        @Operation
        public void get() {
            phys.get(pfn);
        }

        @Operation
        public void markDirty() {
            phys.frames().set(pfn, PageFlags.DIRTY);
        }

        @Operation
        public void writeData() {
            phys.data().writePattern(pfn, 0, 4096, Pattern.i32(5), 0);
        }

        @Operation
        public int refcount() {
            return phys.frames().refcount(pfn);
        }

        @Operation
        public boolean dirty() {
            return phys.frames().test(pfn, PageFlags.DIRTY);
        }

        @Operation
        public boolean dataKept() {
            return phys.data().matches(pfn, 0, 4096, Pattern.i32(5), 0);
        }
    }

    @Test
    void addingDeviceMemoryLosesNothingDoneToRamMeanwhile() {
        Races.check(GrowWhileUsed.class, Budget.RACE,
                Races.race(GrowWhileUsed.class, List.of("get", "markDirty", "writeData"), List.of("addDeviceMemory"),
                        List.of("refcount", "dirty", "dataKept")));
    }
}
