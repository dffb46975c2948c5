package jhmm.compare;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.stream.Collectors;

/**
 * A short reading of a comparison, in sentences made from its figures: what the pinning paths
 * hold and block and whether their device went stale, what the mirrors pay instead, and which
 * paths map the buffer with the fewest entries.
 */
public final class CompareReading {
    private static final List<CompareRow> COSTS = List.of(CompareRow.DMA_ENTRIES, CompareRow.IOMMU_LEAVES, CompareRow.IOTLB_FLUSHES);

    private CompareReading() {}

    public static List<String> of(List<PathResult> results) {
        List<PathResult> pinning = results.stream().filter(r -> value(r, CompareRow.PINS_HELD).orElse(0) > 0).toList();
        List<PathResult> mirrors = results.stream().filter(r -> !pinning.contains(r)).toList();
        List<String> out = new ArrayList<>();
        if (!pinning.isEmpty()) {
            List<String> clauses = new ArrayList<>();
            clauses.add(names(pinning) + " pin the buffer (" + figures(pinning, CompareRow.PINS_HELD, "page", "pages") + ")");
            List<String> blocked = new ArrayList<>();
            if (any(pinning, CompareRow.COMPACTIONS_BLOCKED)) {
                blocked.add("compaction could not move " + figures(pinning, CompareRow.COMPACTIONS_BLOCKED, "folio", "folios") + " of it");
            }
            if (any(pinning, CompareRow.MIGRATIONS_BLOCKED)) {
                blocked.add("migrations failed on " + figures(pinning, CompareRow.MIGRATIONS_BLOCKED, "folio", "folios")
                        + (blocked.isEmpty() ? "" : " (compaction's attempts included)"));
            }
            if (!blocked.isEmpty()) {
                clauses.add("so " + String.join(" and ", blocked));
            }
            out.add(String.join(", ", clauses) + "; " + stale(pinning) + ".");
        }
        if (!mirrors.isEmpty()) {
            out.add(names(mirrors) + " pin nothing: instead " + (mirrors.size() == 1 ? "it" : "they") + " received "
                    + figures(mirrors, CompareRow.INVALIDATIONS, "invalidation", "invalidations") + " and re-faulted "
                    + figures(mirrors, CompareRow.REFAULTS, "page", "pages") + "; " + stale(mirrors) + ".");
        }
        List<String> fewest = new ArrayList<>();
        for (CompareRow row : COSTS) {
            List<PathResult> measured = results.stream().filter(r -> value(r, row).isPresent()).toList();
            long min = measured.stream().mapToLong(r -> value(r, row).getAsLong()).min().orElse(0);
            List<PathResult> best = measured.stream().filter(r -> value(r, row).getAsLong() == min).toList();
            if (!best.isEmpty() && best.size() < measured.size()) {
                fewest.add("fewest " + row.label() + ": " + names(best) + " (" + min + ")"
                        + (measured.size() < results.size() ? " of the paths that measured it" : ""));
            }
        }
        if (!fewest.isEmpty()) {
            String costs = String.join("; ", fewest);
            out.add(Character.toUpperCase(costs.charAt(0)) + costs.substring(1) + ".");
        }
        return out;
    }

    private static OptionalLong value(PathResult r, CompareRow row) {
        Long v = r.figures().get(row);
        return v == null ? OptionalLong.empty() : OptionalLong.of(v);
    }

    /** The paths' names: {@code a}, {@code a and b}, {@code a, b and c}. */
    private static String names(List<PathResult> paths) {
        List<String> labels = paths.stream().map(PathResult::path).toList();
        return labels.size() == 1 ? labels.get(0)
                : String.join(", ", labels.subList(0, labels.size() - 1)) + " and " + labels.getLast();
    }

    /** Whether a path measured a figure above 0 in {@code row}. */
    private static boolean any(List<PathResult> paths, CompareRow row) {
        return paths.stream().anyMatch(r -> value(r, row).orElse(0) > 0);
    }

    /**
     * The figure with its noun when the paths agree ({@code 1 page}, {@code 4 pages}), else each
     * path's (or why it was not measured) in order: {@code 4, 8 and 8 pages respectively}.
     */
    private static String figures(List<PathResult> paths, CompareRow row, String one, String many) {
        List<String> cells = paths.stream().map(r -> r.cell(row)).toList();
        if (cells.stream().distinct().count() == 1) {
            return cells.get(0) + " " + (cells.get(0).equals("1") ? one : many);
        }
        return String.join(", ", cells.subList(0, cells.size() - 1)) + " and " + cells.getLast() + " " + many + " respectively";
    }

    private static String stale(List<PathResult> paths) {
        List<PathResult> measured = paths.stream().filter(r -> value(r, CompareRow.STALE_ACCESSES).isPresent()).toList();
        String why = paths.stream().map(r -> r.notMeasured().get(CompareRow.STALE_ACCESSES)).filter(Objects::nonNull)
                .distinct().collect(Collectors.joining(", "));
        if (measured.isEmpty()) {
            return "whether the device went stale was not measured (" + why + ")";
        }
        String unmeasured = paths.size() == measured.size() ? ""
                : " (" + names(paths.stream().filter(r -> !measured.contains(r)).toList()) + ": not measured, " + why + ")";
        if (measured.stream().allMatch(r -> value(r, CompareRow.STALE_ACCESSES).getAsLong() == 0)) {
            return "the device never reached a page the process no longer maps" + unmeasured;
        }
        return "the device then reached " + figures(measured, CompareRow.STALE_ACCESSES, "page", "pages")
                + " that the process no longer maps there (stale)" + unmeasured;
    }
}
