package jhmm.compare;

import java.util.LinkedHashMap;
import java.util.Map;

/** One path's figures on the workload, in the order the table prints them. */
public record PathResult(String path, Map<String, Long> figures) {
    public static final String[] ROWS = {
        "pages faulted", "DMA entries", "IOMMU leaves", "IOTLB flushes", "pins held",
        "migrations blocked by pins", "compactions blocked by pins", "invalidations received",
        "re-faults after invalidation", "stale device accesses"
    };

    static PathResult of(String path, long... values) {
        Map<String, Long> m = new LinkedHashMap<>();
        for (int i = 0; i < ROWS.length; i++) {
            m.put(ROWS[i], values[i]);
        }
        return new PathResult(path, m);
    }
}
