package jhmm.dma;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * An IOMMU domain's IOVA allocator (drivers/iommu/iova.c, simplified): sizes round up to a
 * power of two and ranges are naturally aligned to it, so a 2 MiB request gets a 2 MiB-aligned
 * IOVA; freed ranges are cached per size and reused first (the rcache).
 */
final class IovaAllocator {
    /** IOVAs start above 0 so that 0 is never a valid DMA address. */
    private static final long BASE = 1L << 32;
    private static final long LIMIT = 1L << 48;
    private long next = BASE;
    private final Map<Long, ArrayDeque<Long>> cache = new HashMap<>();

    static long roundUp(long size) {
        return size <= 4096 ? 4096 : Long.highestOneBit(size - 1) << 1;
    }

    /** An IOVA for {@code size} bytes, or -1 when the space is exhausted. */
    synchronized long alloc(long size) {
        long s = roundUp(size);
        ArrayDeque<Long> cached = cache.get(s);
        if (cached != null && !cached.isEmpty()) {
            return cached.pop();
        }
        long iova = (next + s - 1) & -s;
        if (iova + s > LIMIT) {
            return -1;
        }
        next = iova + s;
        return iova;
    }

    synchronized void free(long iova, long size) {
        cache.computeIfAbsent(roundUp(size), k -> new ArrayDeque<>()).push(iova);
    }
}
