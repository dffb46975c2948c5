package jhmm.dmamap;

import static org.assertj.core.api.Assertions.assertThat;

import jhmm.base.Pattern;
import jhmm.dma.DmaDevice;
import jhmm.dma.DmaDirection;
import jhmm.dma.DmaSystem;
import jhmm.dma.ScatterList;
import jhmm.gup.Foll;
import jhmm.gup.Gup;
import jhmm.kernel.Machine;
import jhmm.kernel.MachineConfig;
import jhmm.kernel.UserProcess;
import jhmm.mm.Mman;
import org.junit.jupiter.api.Test;

/**
 * The coherence checker's line between pinning and a bug: a device reaching a page the process
 * no longer maps there is safe while a pin holds the frame (it cannot be freed or reused: the
 * access is stale), and DMA after free once nothing holds it.
 */
class DmaReachTest {
    private static final long P = 4096;

    private final Machine machine = new Machine(MachineConfig.defaults().withRam(64L << 20));
    private final UserProcess p = machine.createProcess("p");
    private final DmaDevice dev = new DmaSystem(machine.physicalMemory(), true).device("gpu", 64, true);

    @Test
    void aPinnedPageTheProcessUnmappedIsStaleAndOnceUnpinnedAViolation() {
        long a = p.mmap(0, P, Mman.PROT_READ | Mman.PROT_WRITE, Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS, null, 0);
        assertThat(p.write(a, P, Pattern.i32(1), a)).isZero();
        int[] pages = new int[1];
        p.mm().mmapLock().readLock().lock();
        try {
            assertThat(Gup.pinUserPages(p.mm(), a, 1, Foll.WRITE | Foll.LONGTERM, pages)).isEqualTo(1);
        } finally {
            p.mm().mmapLock().readLock().unlock();
        }
        ScatterList sg = ScatterList.fromPages(pages, 1);
        assertThat(dev.mapSg(sg, DmaDirection.BIDIRECTIONAL)).isEqualTo(1);
        long dma = sg.segments().get(0).dmaAddress();
        MapperState st = new MapperState(p.mm(), dev);
        assertThat(st.reach(a, 1, i -> dma, i -> pages[0]).mismatches()).as("mapped where the device reaches").isZero();

        assertThat(p.munmap(a, P)).isZero();
        DmaReach pinned = st.reach(a, 1, i -> dma, i -> pages[0]);
        assertThat(pinned.stale()).as("held by the pin: safe, stale").isEqualTo(1);
        assertThat(pinned.violations()).isEmpty();

        Gup.unpinUserPagesDirtyLock(machine.physicalMemory(), pages, 1, false); // the driver drops its pin, keeps the DMA mapping
        DmaReach freed = st.reach(a, 1, i -> dma, i -> -1);
        assertThat(freed.stale()).isZero();
        assertThat(freed.violations()).singleElement().asString().contains("DMA after free").contains("frame " + pages[0]);
        dev.unmapSg(sg, DmaDirection.BIDIRECTIONAL);
    }
}
