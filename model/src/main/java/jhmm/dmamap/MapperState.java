package jhmm.dmamap;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntBinaryOperator;
import java.util.function.IntPredicate;
import java.util.function.IntToLongFunction;
import java.util.function.IntUnaryOperator;
import jhmm.base.PageSize;
import jhmm.dma.DmaDevice;
import jhmm.mm.Mm;
import jhmm.mm.NotifierRange;

/**
 * What every range DMA mapper keeps: the process and device, the driver's update lock, the
 * device's counters as they were when the mapper started, and the mapper's own counts; with
 * the steps the mirroring mappers share (taking the lock in a callback, re-faulting what an
 * invalidation took, classifying where DMA addresses lead).
 */
final class MapperState {
    final Mm mm;
    final DmaDevice dev;
    /** The driver's update lock: its invalidate callback and its device updates take it. */
    final ReentrantLock lock = new ReentrantLock();
    private final long leavesBefore;
    private final long flushesBefore;
    long dmaEntries;
    long invalidations;
    long refaults;

    MapperState(Mm mm, DmaDevice dev) {
        this.mm = mm;
        this.dev = dev;
        this.leavesBefore = dev.iommuLeaves();
        this.flushesBefore = dev.iotlbFlushes();
    }

    DmaMapStats stats(long mapped, long pinned) {
        return new DmaMapStats(mapped, dmaEntries, dev.iommuLeaves() - leavesBefore, dev.iotlbFlushes() - flushesBefore,
                pinned, invalidations, refaults);
    }

    /** Takes the update lock in an invalidate callback: sleeps only where the range allows it. */
    boolean lockFor(NotifierRange r) {
        if (r.blockable()) {
            lock.lock();
            return true;
        }
        return lock.tryLock();
    }

    /** Faults and maps every run of slots in [0, n) that is not mapped; counts them as re-faults. */
    void refaultGaps(int n, IntPredicate mapped, IntBinaryOperator faultAndMap) {
        for (int i = 0; i < n; ) {
            if (mapped.test(i)) {
                i++;
                continue;
            }
            int j = i;
            while (j < n && !mapped.test(j)) {
                j++;
            }
            if (faultAndMap.applyAsInt(i, j) == 0) {
                refaults += j - i;
            }
            i = j;
        }
    }

    /**
     * Classifies the slots of [start, start + n pages) whose DMA address (0: not mapped) reaches
     * a frame other than the one the process maps there: stale when {@code heldFrame} (-1: none)
     * says the mapper holds that very frame, a violation otherwise.
     */
    DmaReach reach(long start, int n, IntToLongFunction dmaAddress, IntUnaryOperator heldFrame) {
        long stale = 0;
        List<String> violations = new ArrayList<>();
        lock.lock();
        try {
            for (int i = 0; i < n; i++) {
                long dma = dmaAddress.applyAsLong(i);
                long addr = start + ((long) i << PageSize.PAGE_SHIFT);
                long reached = dma > 0 ? StaleAccess.staleFrame(mm, dev, addr, dma) : -1;
                if (reached < 0) {
                    continue;
                }
                if (reached == heldFrame.applyAsInt(i)) {
                    stale++;
                } else {
                    violations.add(String.format("%s: DMA address %x for %x reaches frame %d, which the process does not map"
                            + " there and the mapping does not hold (freed or reused: DMA after free)", dev.name(), dma, addr, reached));
                }
            }
        } finally {
            lock.unlock();
        }
        return new DmaReach(stale, violations);
    }
}
