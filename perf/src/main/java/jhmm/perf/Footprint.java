package jhmm.perf;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.ref.Reference;
import jhmm.base.PageSize;
import jhmm.perf.model.ModelRange;

/**
 * Heap bytes the model spends on simulated memory: an empty machine's bytes per frame of RAM,
 * and the bytes a fully populated range adds per resident page. A machine whose RAM is all
 * populated costs their sum per 4 KiB page, which is what the targets are about.
 */
public record Footprint(Kind kind, long size, long frames, long residentPages, long machineBytes, long populatedBytes, long maxHeap) {
    /** The target: heap bytes per resident simulated page. */
    public static final double TARGET_BYTES_PER_PAGE = 16;
    /** The scale: a 64 GiB machine, all of it populated ... */
    public static final long TARGET_RAM = 64L << 30;
    /** ... in a 2 GiB heap. */
    public static final long TARGET_HEAP = 2L << 30;

    public double bytesPerFrame() {
        return (double) machineBytes / frames;
    }

    public double bytesPerPopulatedPage() {
        return (double) populatedBytes / residentPages;
    }

    /** Heap per 4 KiB page of a machine whose RAM is all populated. */
    public double bytesPerResidentPage() {
        return bytesPerFrame() + bytesPerPopulatedPage();
    }

    /** Heap a machine of {@code ram} bytes, all populated, would take at these rates. */
    public long projectedBytes(long ram) {
        return (long) ((ram >>> PageSize.PAGE_SHIFT) * bytesPerResidentPage());
    }

    /** Measures a machine for a range of {@code size} (plus {@link ModelRange#MARGIN}) populated for write. */
    public static Footprint measure(Kind kind, long size) {
        long before = heapUsedAfterGc();
        ModelRange range = new ModelRange(kind, size);
        long empty = heapUsedAfterGc();
        range.mapPopulated();
        long populated = heapUsedAfterGc();
        long frames = range.machine.physicalMemory().nrFrames();
        long resident = range.process.mm().rss();
        Reference.reachabilityFence(range);
        return new Footprint(kind, size, frames, resident, empty - before, populated - empty, Runtime.getRuntime().maxMemory());
    }

    private static long heapUsedAfterGc() {
        MemoryMXBean heap = ManagementFactory.getMemoryMXBean();
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return heap.getHeapMemoryUsage().getUsed();
    }
}
