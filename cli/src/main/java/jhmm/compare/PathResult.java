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
            CompareRow.STALE_ACCESSES, CompareRow.READ_TIME);

    public PathResult {
        figures = Map.copyOf(figures);
        notMeasured = Map.copyOf(notMeasured);
    }

    /** {@code values} in the order of {@link CompareRow}'s counts (the NIC's times are added by {@link #withNicTimes}). */
    static PathResult of(String path, long... values) {
        Map<CompareRow, Long> m = new EnumMap<>(CompareRow.class);
        int i = 0;
        for (CompareRow row : CompareRow.values()) {
            if (!row.nicTime()) {
                m.put(row, values[i++]);
            }
        }
        return new PathResult(path, m, Map.of());
    }

    /** This result with a NIC path's registration time and device-read time, in microseconds. */
    PathResult withNicTimes(long registrationUs, long readUs) {
        Map<CompareRow, Long> m = new EnumMap<>(CompareRow.class);
        m.putAll(figures);
        m.put(CompareRow.REGISTRATION_TIME, registrationUs);
        m.put(CompareRow.READ_TIME, readUs);
        return new PathResult(path, m, notMeasured);
    }

    /** This result with {@code rows} replaced by {@code why}: a step they depend on could not be done. */
    PathResult notMeasured(Set<CompareRow> rows, String why) {
        Map<CompareRow, Long> kept = new EnumMap<>(CompareRow.class);
        kept.putAll(figures);
        Map<CompareRow, String> reasons = new EnumMap<>(CompareRow.class);
        reasons.putAll(notMeasured);
        // a row the path does not have (a NIC's time on another path) stays without one
        rows.stream().filter(row -> !row.nicTime() || figures.containsKey(row)).forEach(row -> {
            kept.remove(row);
            reasons.put(row, why);
        });
        return new PathResult(path, kept, reasons);
    }

    /** The table's cell for {@code row}: the figure, or why there is none ({@code -} for a row the path does not have). */
    public String cell(CompareRow row) {
        Long v = figures.get(row);
        return v != null ? v.toString() : notMeasured.getOrDefault(row, "-");
    }
}
