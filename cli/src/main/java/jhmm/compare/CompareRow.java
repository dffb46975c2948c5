package jhmm.compare;

/**
 * A figure the comparison reports for each path: its JSON key, its label in the table, its
 * unit and what exactly it counts. Everything is counted from after the process wrote the
 * buffer until the device's read at the end.
 */
public enum CompareRow {
    PAGE_FAULTS("pageFaults", "page faults", "faults",
            "page faults taken (handle_mm_fault calls; a THP fault counts once): the process re-touching the"
                    + " unmapped quarter; the paths' own walks find the written buffer present"),
    DMA_ENTRIES("dmaEntries", "DMA entries", "entries",
            "DMA mappings made (dma_map_page calls or scatterlist segments), those made again after an invalidation included"),
    IOMMU_LEAVES("iommuLeaves", "IOMMU leaves", "leaves",
            "IOMMU page-table leaves written (a 2M leaf maps a THP whole); 0 without an IOMMU"),
    IOTLB_FLUSHES("iotlbFlushes", "IOTLB flushes", "flushes",
            "IOTLB flushes, each after unmapping DMA addresses; 0 without an IOMMU"),
    PINS_HELD("pinsHeld", "pins held", "pages",
            "pages the path pinned (FOLL_PIN) to map the buffer, held until the DMA unmap"),
    MIGRATIONS_BLOCKED("migrationsBlockedByPins", "migrations blocked by pins", "folios",
            "folio migrations refused because a pin holds the folio (a THP is one folio), compaction's attempts included"),
    COMPACTIONS_BLOCKED("compactionsBlockedByPins", "compactions blocked by pins", "folios",
            "folios compaction found and could not move"),
    INVALIDATIONS("invalidations", "invalidations received", "callbacks",
            "mmu-notifier invalidations the path received (compaction, migration, the munmap of the quarter); gup registers no notifier"),
    REFAULTS("refaults", "re-faults after invalidation", "pages",
            "pages the path faulted and mapped again after an invalidation took them away"),
    STALE_ACCESSES("staleDeviceAccesses", "stale device accesses", "pages",
            "pages whose DMA address still reached a frame the process no longer maps there when the device read the buffer"),
    REGISTRATION_TIME("registrationTimeUs", "registration time", "us",
            "the NIC paths only (- elsewhere), in jhmm sim's reference costs: ibv_reg_mr, and an ODP region's prefetch; a pinned"
                    + " region pins, DMA-maps and writes a translation entry for every page, ODP sends the command and prefetches"),
    READ_TIME("deviceReadTimeUs", "time of the device read", "us",
            "the NIC paths only (- elsewhere), in jhmm sim's reference costs: the device's read at the end as one RDMA READ"
                    + " of the whole buffer, its bytes at the port's rate, and for ODP the faults (service and RNR retries) on"
                    + " what invalidations took");

    private final String key;
    private final String label;
    private final String unit;
    private final String counts;

    CompareRow(String key, String label, String unit, String counts) {
        this.key = key;
        this.label = label;
        this.unit = unit;
        this.counts = counts;
    }

    /** A simulated time of the NIC paths, not a count every path has. */
    public boolean nicTime() {
        return this == REGISTRATION_TIME || this == READ_TIME;
    }

    /** The JSON key: camelCase, no blanks. */
    public String key() {
        return key;
    }

    public String label() {
        return label;
    }

    public String unit() {
        return unit;
    }

    /** What the row counts, in a sentence for the table's legend. */
    public String counts() {
        return counts;
    }
}
