package jhmm.cli.bench;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import jhmm.perf.Comparison;
import jhmm.perf.Interleaved;
import jhmm.perf.Operation;
import jhmm.perf.RangeSize;
import jhmm.perf.SideBySide;
import jhmm.perf.host.HostSupport;

/**
 * {@code side-by-side}, what {@code jhmm bench} runs without an entry: every chosen operation
 * for 4K and THP over one range, the model and the host kernel interleaved in this process,
 * median ns per 4 KiB page of each and their ratio against the target.
 */
final class SideBySideEntry implements BenchEntry {
    static final String NAME = "side-by-side";

    @Override
    public java.util.Set<String> options() {
        return java.util.Set.of("--size", "--ops", "--repeat", "--save-costs");
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "the default: snapshot, fault-in, pin, populate-read, mprotect, munmap; model vs host kernel, ns/page and ratio";
    }

    @Override
    public BenchResult run(BenchOptions options, PrintWriter progress) {
        HostSupport host = HostSupport.probe();
        List<Comparison> rows = SideBySide.run(options.size(), options.ops(), options.repeat(), host, line -> {
            progress.println(NAME + ": " + line);
            progress.flush();
        });
        return new Result(options.size(), options.repeat(), options.ops(), host, rows);
    }

    record Result(long size, int repeat, List<Operation> ops, HostSupport host, List<Comparison> rows) implements BenchResult {
        @Override
        public List<Comparison> comparisons() {
            return rows;
        }

        @Override
        public void printText(PrintWriter out) {
            out.printf(Locale.ROOT, "jhmm model vs host kernel (Linux %s): ns per 4 KiB page over a %s range,%n", System.getProperty("os.version"),
                    RangeSize.format(size));
            out.printf(Locale.ROOT, "median of %d rounds per side, interleaved model/host, after %d warm-up rounds (the model's until it ran %d ms);%n"
                    + "ratio = model/host%n", repeat, SideBySide.WARMUP, Interleaved.WARM_UP_NANOS / 1_000_000);
            ComparisonTable.print(out, rows);
            ComparisonTable.legend(out, ops);
        }

        @Override
        public ObjectNode toJson() {
            ObjectNode root = JsonNodeFactory.instance.objectNode();
            root.put("entry", NAME);
            root.put("sizeBytes", size);
            root.put("repeat", repeat);
            root.put("warmup", SideBySide.WARMUP);
            root.put("modelWarmupNanos", Interleaved.WARM_UP_NANOS);
            ObjectNode h = root.putObject("host");
            h.put("kernel", System.getProperty("os.version"));
            h.put("unavailable", host.reason());
            h.put("thpUnavailable", host.thpReason());
            ComparisonTable.toJson(root.putArray("rows"), rows);
            return root;
        }
    }
}
