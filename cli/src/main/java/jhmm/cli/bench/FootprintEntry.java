package jhmm.cli.bench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import jhmm.perf.Footprint;
import jhmm.perf.Kind;
import jhmm.perf.RangeSize;
import jhmm.perf.model.ModelRange;

/**
 * {@code footprint}: heap bytes per resident simulated page, 4K and THP, over a range of
 * {@code --size} populated for write; and whether a 64 GiB machine all populated would fit in
 * this JVM's heap and in the 2 GiB.
 */
final class FootprintEntry implements BenchEntry {
    static final String NAME = "footprint";

    @Override
    public java.util.Set<String> options() {
        return java.util.Set.of("--size");
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "heap bytes per resident simulated 4 KiB page (target <= 16), and whether 64G all populated fits";
    }

    @Override
    public BenchResult run(BenchOptions options, PrintWriter progress) {
        List<Footprint> rows = new ArrayList<>();
        for (Kind kind : Kind.values()) {
            rows.add(Footprint.measure(kind, options.size()));
            progress.println(NAME + ": " + kind + " done");
            progress.flush();
        }
        return new Result(rows);
    }

    record Result(List<Footprint> rows) implements BenchResult {
        private static final String FORMAT = "%-4s %7s %14s %16s %16s %8s %18s %12s %12s%n";

        @Override
        public void printText(PrintWriter out) {
            Footprint first = rows.getFirst();
            out.printf(Locale.ROOT, "jhmm footprint: heap bytes per simulated 4 KiB page (MemoryMXBean, after System.gc); machine RAM = range + %s,%n",
                    RangeSize.format(ModelRange.MARGIN));
            out.printf(Locale.ROOT, "range populated for write; B/resident page = empty machine per frame + populated range per page; max heap %s%n",
                    RangeSize.gib(first.maxHeap()));
            out.printf(Locale.ROOT, FORMAT, "kind", "range", "B/frame empty", "B/page populated", "B/resident page", "target",
                    "64G all populated", "fits -Xmx", "fits 2G");
            for (Footprint f : rows) {
                long projected = f.projectedBytes(Footprint.TARGET_RAM);
                out.printf(Locale.ROOT, FORMAT, f.kind(), RangeSize.format(f.size()), num(f.bytesPerFrame()), num(f.bytesPerPopulatedPage()),
                        num(f.bytesPerResidentPage()), f.bytesPerResidentPage() <= Footprint.TARGET_BYTES_PER_PAGE ? "met" : "missed",
                        RangeSize.gib(projected), projected <= f.maxHeap() ? "yes" : "no", projected <= Footprint.TARGET_HEAP ? "yes" : "no");
            }
        }

        private static String num(double v) {
            return String.format(Locale.ROOT, "%.1f", v);
        }

        @Override
        public ObjectNode toJson() {
            ObjectNode root = JsonNodeFactory.instance.objectNode();
            root.put("entry", NAME);
            root.put("targetBytesPerPage", Footprint.TARGET_BYTES_PER_PAGE);
            root.put("targetRamBytes", Footprint.TARGET_RAM);
            root.put("targetHeapBytes", Footprint.TARGET_HEAP);
            ArrayNode kinds = root.putArray("rows");
            for (Footprint f : rows) {
                long projected = f.projectedBytes(Footprint.TARGET_RAM);
                ObjectNode n = kinds.addObject();
                n.put("kind", f.kind().label());
                n.put("sizeBytes", f.size());
                n.put("frames", f.frames());
                n.put("residentPages", f.residentPages());
                n.put("machineBytes", f.machineBytes());
                n.put("populatedBytes", f.populatedBytes());
                n.put("bytesPerFrame", f.bytesPerFrame());
                n.put("bytesPerPopulatedPage", f.bytesPerPopulatedPage());
                n.put("bytesPerResidentPage", f.bytesPerResidentPage());
                n.put("met", f.bytesPerResidentPage() <= Footprint.TARGET_BYTES_PER_PAGE);
                n.put("projected64GBytes", projected);
                n.put("maxHeapBytes", f.maxHeap());
                n.put("fitsMaxHeap", projected <= f.maxHeap());
                n.put("fitsTargetHeap", projected <= Footprint.TARGET_HEAP);
            }
            return root;
        }
    }
}
