package jhmm.cli.bench;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import jhmm.perf.Comparison;
import jhmm.perf.RangeSize;
import jhmm.perf.Scaling;
import jhmm.perf.host.HostSupport;

/**
 * {@code scaling}: ns per 4 KiB page of each operation from 1 MiB to 64 GiB ranges (or
 * {@code --sizes}), the model at every size and the host while the range fits in half its
 * free RAM; {@code --plot} draws the curves.
 */
final class ScalingEntry implements BenchEntry {
    static final String NAME = "scaling";

    @Override
    public java.util.Set<String> options() {
        return java.util.Set.of("--sizes", "--ops", "--repeat", "--plot");
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "ns/page of each operation for 1M..64G ranges, model and host (--plot FILE.png|svg draws it)";
    }

    @Override
    public BenchResult run(BenchOptions options, PrintWriter progress) {
        List<Long> sizes = options.sizes().isEmpty() ? Scaling.SIZES : options.sizes();
        sizes.forEach(Scaling::checkSize);
        HostSupport host = HostSupport.probe();
        List<Comparison> rows = Scaling.run(sizes, options.ops(), options.repeat(), host, line -> {
            progress.println(NAME + ": " + line);
            progress.flush();
        });
        if (options.plot() != null) {
            ScalingPlot.write(rows, options.plot());
            progress.println(NAME + ": plot written to " + options.plot());
            progress.flush();
        }
        return new Result(host.memAvailable(), options.plot(), rows);
    }

    record Result(long hostAvailable, Path plot, List<Comparison> rows) implements BenchResult {
        @Override
        public void printText(PrintWriter out) {
            out.printf(Locale.ROOT, "jhmm scaling: ns per 4 KiB page by range size; host while the range is at most half its MemAvailable (%s);%n",
                    RangeSize.gib(hostAvailable));
            out.println("median of up to --repeat rounds per side (fewer above 2G: 16G of range per size), warm-up rounds up to 1G");
            ComparisonTable.print(out, rows);
        }

        @Override
        public ObjectNode toJson() {
            ObjectNode root = JsonNodeFactory.instance.objectNode();
            root.put("entry", NAME);
            root.put("hostMemAvailableBytes", hostAvailable);
            root.put("plot", plot == null ? null : plot.toString());
            ComparisonTable.toJson(root.putArray("rows"), rows);
            return root;
        }
    }
}
