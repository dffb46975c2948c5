package jhmm.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import jhmm.base.ByteSize;
import jhmm.base.PageSize;
import jhmm.compare.CompareOptions;
import jhmm.compare.ComparePath;
import jhmm.compare.CompareReading;
import jhmm.compare.CompareRow;
import jhmm.compare.CompareWorkload;
import jhmm.compare.PathResult;

/**
 * What {@code jhmm compare} prints: the workload and its settings, the table with a unit for
 * each row, what each row counts, and a short reading of the figures; or all of it as JSON.
 */
final class CompareReport {
    private static final String LABEL = "%-30s";
    private static final String CELL = "%18s";
    /** The columns prose lines wrap at. */
    private static final int WIDTH = 100;

    private final CompareOptions options;
    private final List<PathResult> results;

    CompareReport(CompareOptions options, List<PathResult> results) {
        this.options = options;
        this.results = List.copyOf(results);
    }

    void printText(PrintWriter out) {
        out.println("jhmm compare: one buffer mapped for a device's DMA " + results.size()
                + " ways, each on a fresh machine of " + ByteSize.format(ramBytes()) + " RAM");
        out.println();
        out.println("Workload");
        printWorkload(out);
        out.println("Paths");
        for (ComparePath p : ComparePath.values()) {
            out.printf("  %-18s%s%n", p.label(), p.description());
        }
        out.println();
        out.printf(LABEL, "");
        results.forEach(r -> out.printf(CELL, r.path()));
        out.printf("  %s%n", "unit");
        for (CompareRow row : CompareRow.values()) {
            out.printf(LABEL, row.label());
            results.forEach(r -> out.printf(CELL, r.cell(row)));
            out.printf("  %s%n", row.unit());
        }
        out.println();
        out.println("Rows, counted from after the process wrote the buffer until the device's read");
        for (CompareRow row : CompareRow.values()) {
            print(out, String.format("%-29s", row.label()), row.counts());
        }
        results.stream().flatMap(r -> r.notMeasured().values().stream()).distinct().sorted().forEach(why -> print(out, "",
                why + ": a step of the workload failed with this errno on that path (for a pinned hugetlb buffer: the"
                        + " unmapped huge pages stay pinned, so the pool has none to map the quarter again); the figures"
                        + " that step changes were not measured"));
        out.println();
        out.println("Reading");
        CompareReading.of(results).forEach(line -> print(out, "- ", line));
    }

    /** {@code {"settings":{...},"paths":[...],"rows":[...],"results":[...],"reading":[...]}}: keys without blanks. */
    ObjectNode toJson(ObjectMapper mapper) {
        ObjectNode root = mapper.createObjectNode();
        ObjectNode settings = root.putObject("settings");
        settings.put("sizeBytes", options.sizeBytes());
        settings.put("pages", options.sizeBytes() >>> PageSize.PAGE_SHIFT);
        settings.put("backing", options.hugetlb() ? "hugetlb" : options.thp() ? "thp" : "4k");
        settings.put("iommu", options.iommu());
        settings.put("compact", options.compact());
        settings.put("migrate", options.migrate());
        settings.put("remapQuarter", options.remapQuarter());
        settings.put("ramBytes", ramBytes());
        ArrayNode paths = root.putArray("paths");
        for (ComparePath p : ComparePath.values()) {
            paths.addObject().put("path", p.label()).put("description", p.description());
        }
        ArrayNode rows = root.putArray("rows");
        for (CompareRow row : CompareRow.values()) {
            rows.addObject().put("key", row.key()).put("label", row.label()).put("unit", row.unit()).put("counts", row.counts());
        }
        ArrayNode array = root.putArray("results");
        for (PathResult r : results) {
            ObjectNode result = array.addObject().put("path", r.path());
            ObjectNode figures = result.putObject("figures");
            ObjectNode notMeasured = result.putObject("notMeasured");
            for (CompareRow row : CompareRow.values()) {
                if (r.figures().containsKey(row)) {
                    figures.put(row.key(), r.figures().get(row));
                } else if (r.notMeasured().containsKey(row)) {
                    notMeasured.put(row.key(), r.notMeasured().get(row));
                }
            }
        }
        ArrayNode reading = root.putArray("reading");
        CompareReading.of(results).forEach(reading::add);
        return root;
    }

    /** {@code head} then {@code text}, wrapped at {@value #WIDTH} columns under the text's first column. */
    private static void print(PrintWriter out, String head, String text) {
        String indent = " ".repeat(2 + head.length());
        StringBuilder line = new StringBuilder("  " + head);
        int lineStart = 0;
        for (String word : text.split(" ")) {
            if (line.length() - lineStart > indent.length() && line.length() - lineStart + 1 + word.length() > WIDTH) {
                line.append('\n').append(indent);
                lineStart = line.length() - indent.length();
            } else if (line.length() - lineStart > indent.length()) {
                line.append(' ');
            }
            line.append(word);
        }
        out.println(line);
    }

    private long ramBytes() {
        return CompareWorkload.machineFor(options).ramBytes();
    }

    /** The workload: the buffer, the device, what happens while it is mapped, the end. */
    private void printWorkload(PrintWriter out) {
        long size = options.sizeBytes();
        String backing = options.hugetlb()
                ? "2M hugetlb pages, from a pool of exactly " + (size >>> PageSize.PMD_SHIFT) + " (thp=never)"
                : options.thp() ? "THP-backed (thp=always)" : "4 KiB pages (thp=never)";
        print(out, "buffer   ", ByteSize.format(size) + " (" + (size >>> PageSize.PAGE_SHIFT)
                + " pages of 4 KiB), anonymous private, " + backing + ", written by the process");
        print(out, "device   ", options.iommu() ? "behind an IOMMU (--no-iommu: without)"
                : "no IOMMU: DMA addresses are physical (--no-iommu)");
        List<String> steps = new ArrayList<>();
        steps.add(options.compact() ? "the kernel compacts memory" : "no compaction (--no-compact)");
        steps.add(options.migrate() ? "the kernel migrates the buffer" : "no migration (--no-migrate)");
        steps.add(options.remapQuarter() ? "the process unmaps the first quarter (" + ByteSize.format(size / 4)
                + "), maps it again in place and writes it" : "no remap (--no-remap)");
        print(out, "then     ", String.join("; ", steps));
        print(out, "last     ", "the device reads the whole buffer; then it is unmapped");
    }
}
