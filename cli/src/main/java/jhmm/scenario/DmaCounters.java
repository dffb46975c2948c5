package jhmm.scenario;

import java.util.Map;
import jhmm.dmamap.DmaMapStats;

/** The counters every dma-map path reports, under the names the scenario language gives them. */
final class DmaCounters {
    private DmaCounters() {}

    static Map<String, Long> of(DmaMapStats s) {
        return Map.of("mapped", s.mapped(), "dma-entries", s.dmaEntries(), "iommu-entries", s.iommuEntries(),
                "iotlb-flushes", s.iotlbFlushes(), "pinned", s.pinned(), "invalidations", s.invalidations(),
                "refaults", s.refaults());
    }
}
