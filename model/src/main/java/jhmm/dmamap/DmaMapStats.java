package jhmm.dmamap;

/**
 * What a range DMA mapping costs and sees: pages mapped now, DMA mappings created, IOMMU
 * leaves written, IOTLB flushes, pages pinned now, invalidations received and pages
 * re-faulted after an invalidation.
 */
public record DmaMapStats(long mapped, long dmaEntries, long iommuEntries, long iotlbFlushes, long pinned,
        long invalidations, long refaults) {}
