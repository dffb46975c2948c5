package jhmm.dma;

import java.util.TreeSet;
import jhmm.phys.PhysicalMemory;

/**
 * The software IO TLB: a pool of low frames that a device whose DMA mask cannot reach a page
 * uses instead, with a copy on map and on unmap. Frames are taken from the bottom of RAM on
 * first use, as the boot-time pool sits low. One mapping bounces through contiguous frames, up
 * to {@link #MAX_PAGES} of them (swiotlb_max_mapping_size: IO_TLB_SEGSIZE slots of 2 KiB).
 */
final class Swiotlb {
    /** The most pages one mapping can bounce through (256 KiB). */
    static final int MAX_PAGES = 64;
    private final PhysicalMemory phys;
    /** Pool frames not in use, in address order. */
    private final TreeSet<Integer> free = new TreeSet<>();
    private final int slots;
    private int taken;

    Swiotlb(PhysicalMemory phys, int slots) {
        this.phys = phys;
        this.slots = slots;
    }

    /** {@code n} contiguous bounce frames below {@code maskPfn}: the first, or -1 when the pool has no such run. */
    synchronized int alloc(long maskPfn, int n) {
        for (int pfn : free) {
            if (pfn + n > maskPfn) {
                break;
            }
            if (runEndsAt(pfn + n - 1, n)) {
                return takeRun(pfn, n);
            }
        }
        for (int pfn = 1; taken < slots && pfn < Math.min(maskPfn, phys.nrFrames()); pfn++) {
            if (phys.allocFolioAt(pfn, 0) >= 0) {
                phys.accountKernelReference(pfn);
                taken++;
                free.add(pfn);
                if (runEndsAt(pfn, n)) {
                    return takeRun(pfn - n + 1, n);
                }
            }
        }
        return -1;
    }

    private boolean runEndsAt(int last, int n) {
        for (int k = 0; k < n; k++) {
            if (!free.contains(last - k)) {
                return false;
            }
        }
        return true;
    }

    private int takeRun(int first, int n) {
        for (int k = 0; k < n; k++) {
            free.remove(first + k);
        }
        return first;
    }

    synchronized void free(int pfn, int n) {
        for (int k = 0; k < n; k++) {
            free.add(pfn + k);
        }
    }
}
