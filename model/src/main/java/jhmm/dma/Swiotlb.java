package jhmm.dma;

import java.util.TreeSet;
import jhmm.base.PageSize;
import jhmm.phys.PhysicalMemory;

/**
 * The software IO TLB: a pool of low frames that a device whose DMA mask cannot reach a page
 * uses instead, with a copy on map and on unmap. Frames are taken from the bottom of RAM on
 * first use, as the boot-time pool sits low. One mapping bounces through contiguous frames,
 * keeping its offset in the page: at most {@link #MAX_MAPPING} bytes, {@link #MAX_PAGES} frames.
 */
final class Swiotlb {
    /** Bytes of one slot (IO_TLB_SIZE). */
    static final long SLOT = 2048;
    /** swiotlb_max_mapping_size for a device with no minimum alignment: IO_TLB_SEGSIZE (128) slots. */
    static final long MAX_MAPPING = 128 * SLOT;
    /** The frames a mapping of the largest size spans when it starts inside a page. */
    static final int MAX_PAGES = (int) (MAX_MAPPING >>> PageSize.PAGE_SHIFT) + 1;
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
