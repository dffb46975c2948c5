package jhmm.compare;

import java.util.EnumMap;
import java.util.Map;
import java.util.Set;

/**
 * One path's figures on the workload, and for the rows a path could not measure (a step of
 * the workload it could not do) the reason instead.
 */
public record PathResult(String path, Map<CompareRow, Long> figures, Map<CompareRow, String> notMeasured) {
    /** The rows that the re-map of the quarter and the device's access after it change. */
    static final Set<CompareRow> AFTER_REMAP = Set.of(CompareRow.PAGE_FAULTS, CompareRow.DMA_ENTRIES,
            CompareRow.IOMMU_LEAVES, CompareRow.IOTLB_FLUSHES, CompareRow.INVALIDATIONS, CompareRow.REFAULTS,
            CompareRow.STALE_ACCESSES);

    public PathResult {
        figures = Map.copyOf(figures);
        notMeasured = Map.copyOf(notMeasured);
    }

    /** {@code values} in the order of {@link CompareRow}. */
    static PathResult of(String path, long... values) {
        Map<CompareRow, Long> m = new EnumMap<>(CompareRow.class);
        for (CompareRow row : CompareRow.values()) {
            m.put(row, values[row.ordinal()]);
        }
        return new PathResult(path, m, Map.of());
    }

    /** This result with {@code rows} replaced by {@code why}: a step they depend on could not be done. */
    PathResult notMeasured(Set<CompareRow> rows, String why) {
        Map<CompareRow, Long> kept = new EnumMap<>(CompareRow.class);
        kept.putAll(figures);
        Map<CompareRow, String> reasons = new EnumMap<>(CompareRow.class);
        reasons.putAll(notMeasured);
        rows.forEach(row -> {
            kept.remove(row);
            reasons.put(row, why);
        });
        return new PathResult(path, kept, reasons);
    }

    /** The table's cell for {@code row}: the figure, or why there is none. */
    public String cell(CompareRow row) {
        Long v = figures.get(row);
        return v != null ? v.toString() : notMeasured.get(row);
    }
}
