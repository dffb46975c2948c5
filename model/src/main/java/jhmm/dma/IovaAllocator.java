package jhmm.dma;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import jhmm.base.PageSize;

/**
 * An IOMMU domain's IOVA allocator (iommu_dma_alloc_iova over drivers/iommu/iova.c), in 4 KiB
 * granules: a request under 32 granules is rounded up to a power of two, a larger one is not;
 * every range is aligned to its size rounded up to a power of two. Freed ranges of up to 32
 * granules go to per-size caches (the rcache, IOVA_RANGE_CACHE_MAX_SIZE = 6 orders) and are
 * handed out first; larger ones go back to the free space (the rbtree), where a later request
 * that fits is placed. Unlike the kernel, fresh space is taken bottom-up from 4 GiB.
 */
final class IovaAllocator {
    /** Requests below this many granules are rounded up to a power of two; up to it they are cached. */
    static final long CACHED_GRANULES = 32;
    /** IOVAs start above 0 so that 0 is never a valid DMA address. */
    private static final long BASE = 1L << 32;
    private static final long LIMIT = 1L << 48;
    private long next = BASE;
    private final Map<Long, ArrayDeque<Long>> cache = new HashMap<>();
    /** Freed ranges too large for the caches: start to end. */
    private final TreeMap<Long, Long> freeSpace = new TreeMap<>();

    /** The bytes a request of {@code size} bytes takes. */
    static long allocSize(long size) {
        long granules = Math.max(1, PageSize.pageAlignUp(size) >>> PageSize.PAGE_SHIFT);
        if (granules < CACHED_GRANULES) {
            granules = powerOfTwoAtLeast(granules);
        }
        return granules << PageSize.PAGE_SHIFT;
    }

    private static long powerOfTwoAtLeast(long n) {
        return n <= 1 ? 1 : Long.highestOneBit(n - 1) << 1;
    }

    /** An IOVA for {@code size} bytes, or -1 when the space is exhausted. */
    synchronized long alloc(long size) {
        long len = allocSize(size);
        long align = powerOfTwoAtLeast(len);
        if (cached(len)) {
            ArrayDeque<Long> c = cache.get(len);
            if (c != null && !c.isEmpty()) {
                return c.pop();
            }
        }
        long reused = freeSpace.isEmpty() ? -1 : reuse(len, align);
        if (reused >= 0) {
            return reused;
        }
        long iova = (next + align - 1) & -align;
        if (iova + len > LIMIT) {
            return -1;
        }
        keep(next, iova); // the alignment gap stays free
        next = iova + len;
        return iova;
    }

    /** The lowest freed range that holds {@code len} bytes at {@code align}, taken; or -1. */
    private long reuse(long len, long align) {
        for (Map.Entry<Long, Long> hole : freeSpace.entrySet()) {
            long at = (hole.getKey() + align - 1) & -align;
            if (at + len <= hole.getValue()) {
                long start = hole.getKey();
                long end = hole.getValue();
                freeSpace.remove(start);
                keep(start, at);
                keep(at + len, end);
                return at;
            }
        }
        return -1;
    }

    private void keep(long start, long end) {
        if (end > start) {
            freeSpace.put(start, end);
        }
    }

    private static boolean cached(long len) {
        return (len >>> PageSize.PAGE_SHIFT) <= CACHED_GRANULES;
    }

    synchronized void free(long iova, long size) {
        long len = allocSize(size);
        if (cached(len)) {
            cache.computeIfAbsent(len, k -> new ArrayDeque<>()).push(iova);
        } else {
            freeSpace.put(iova, iova + len);
        }
    }
}
