package jhmm.compare;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * One path's figures on the workload, in the order the table prints them, and for the rows a
 * path could not measure (a step of the workload it could not do) the reason instead.
 */
public record PathResult(String path, Map<String, Long> figures, Map<String, String> notMeasured) {
    public static final String[] ROWS = {
        "pages faulted", "DMA entries", "IOMMU leaves", "IOTLB flushes", "pins held",
        "migrations blocked by pins", "compactions blocked by pins", "invalidations received",
        "re-faults after invalidation", "stale device accesses"
    };
    /** The rows that the re-map of the quarter and the device's access after it change. */
    static final Set<String> AFTER_REMAP = Set.of("pages faulted", "DMA entries", "IOMMU leaves", "IOTLB flushes",
            "invalidations received", "re-faults after invalidation", "stale device accesses");

    public PathResult {
        figures = Map.copyOf(figures);
        notMeasured = Map.copyOf(notMeasured);
    }

    static PathResult of(String path, long... values) {
        Map<String, Long> m = new LinkedHashMap<>();
        for (int i = 0; i < ROWS.length; i++) {
            m.put(ROWS[i], values[i]);
        }
        return new PathResult(path, m, Map.of());
    }

    /** This result with {@code rows} replaced by {@code why}: a step they depend on could not be done. */
    PathResult notMeasured(Set<String> rows, String why) {
        Map<String, Long> kept = new LinkedHashMap<>(figures);
        Map<String, String> reasons = new LinkedHashMap<>(notMeasured);
        rows.forEach(row -> {
            kept.remove(row);
            reasons.put(row, why);
        });
        return new PathResult(path, kept, reasons);
    }

    /** The table's cell for {@code row}: the figure, or why there is none. */
    public String cell(String row) {
        Long v = figures.get(row);
        return v != null ? v.toString() : notMeasured.get(row);
    }
}
