package jhmm.dma;

import java.util.ArrayDeque;
import jhmm.phys.PhysicalMemory;

/**
 * The software IO TLB: a pool of low frames that a device whose DMA mask cannot reach a page
 * uses instead, with a copy on map and on unmap. Frames are taken from the bottom of RAM on
 * first use, as the boot-time pool sits low.
 */
final class Swiotlb {
    private final PhysicalMemory phys;
    private final ArrayDeque<Integer> free = new ArrayDeque<>();
    private final int slots;
    private int taken;

    Swiotlb(PhysicalMemory phys, int slots) {
        this.phys = phys;
        this.slots = slots;
    }

    /** A bounce frame below {@code maskPfn}, or -1 when the pool is full. */
    synchronized int alloc(long maskPfn) {
        if (!free.isEmpty()) {
            return free.pop();
        }
        for (int pfn = 1; taken < slots && pfn < Math.min(maskPfn, phys.nrFrames()); pfn++) {
            if (phys.allocFolioAt(pfn, 0) >= 0) {
                phys.accountKernelReference(pfn);
                taken++;
                return pfn;
            }
        }
        return -1;
    }

    synchronized void free(int pfn) {
        free.push(pfn);
    }
}
