package jhmm.dmamap;

import jhmm.dma.DmaDevice;
import jhmm.mm.Mm;
import jhmm.mm.PageStates;
import jhmm.mm.Pte;

/** Whether a device access through a DMA address still reaches the page the process maps there. */
final class StaleAccess {
    private StaleAccess() {}

    /** The frame {@code dmaAddr} reaches when it is not the one mapped at {@code addr} now; -1 when it is. */
    static long staleFrame(Mm mm, DmaDevice dev, long addr, long dmaAddr) {
        long reached = dev.translate(dmaAddr);
        long e = PageStates.entryAt(mm, addr);
        boolean mapped = Pte.present(e) || Pte.isDevicePrivate(e) || Pte.isDeviceExclusive(e);
        return mapped && reached == Pte.pfn(e) ? -1 : reached;
    }
}
