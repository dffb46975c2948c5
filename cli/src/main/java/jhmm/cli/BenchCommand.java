package jhmm.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import jhmm.base.ByteSize;
import jhmm.base.Printable;
import jhmm.cli.bench.BenchEntries;
import jhmm.cli.bench.BenchEntry;
import jhmm.cli.bench.BenchOptions;
import jhmm.cli.bench.BenchResult;
import jhmm.cli.bench.HostCostFile;
import jhmm.cli.bench.ScalingPlot;
import jhmm.perf.Operation;
import jhmm.perf.RangeSize;
import jhmm.perf.SideBySide;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code jhmm bench [--list] [--json] [--size S] [--ops OP,...] [--repeat N] [--plot FILE]
 * [--iterations N] [--sizes S,...] [--no-warmup] [ENTRY...]}; without an entry, side-by-side.
 */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        header = "Measures the model, next to the host's Linux kernel where it can.",
        description = {
            "Runs named measurements of the model (--list lists them) in order, without JMH. Without an entry it runs"
                    + " side-by-side: the model's core operations next to the host kernel's, in ns per 4 KiB page,"
                    + " and their ratio. Each finished step is a line on standard error when that is a terminal."
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:done",
            "1:a measured operation failed its checks",
            "2:bad input: an unknown entry, a bad option value, an option none of the entries reads",
            "3:an internal error of jhmm (a bug: please report it with the command line)"
        })
final class BenchCommand implements Callable<Integer> {
    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    /** The options some entries read and others ignore. */
    private static final List<String> ENTRY_OPTIONS =
            List.of("--iterations", "--no-warmup", "--sizes", "--size", "--ops", "--repeat", "--plot", "--save-costs");

    @Spec
    private CommandSpec spec;

    @ParentCommand
    private Main main;

    @Option(names = "--list", description = "List the entries and exit.")
    private boolean list;

    @Option(names = "--json", description = "Print a JSON report instead of text.")
    private boolean json;

    @Option(names = "--iterations", paramLabel = "N", defaultValue = "5",
            description = "Timed iterations per measurement (default: ${DEFAULT-VALUE}, as the kernel test).")
    private int iterations;

    @Option(names = "--no-warmup", description = "Skip the untimed pass that warms the JVM up before the timed one.")
    private boolean noWarmup;

    @Option(names = "--sizes", split = ",", paramLabel = "SIZE", converter = SizeConverter.class,
            description = "Buffer sizes instead of the entry's own: 512K, 2M, 256M ... (as in scenario files: K, M, G, T, p).")
    private List<Long> sizes = List.of();

    @Option(names = "--size", paramLabel = "SIZE", converter = RangeSizeConverter.class, defaultValue = "1G",
            description = "Range size for side-by-side, footprint and threads, a multiple of 2M (default: ${DEFAULT-VALUE}).")
    private long size;

    @Option(names = "--ops", split = ",", paramLabel = "OP", converter = OperationConverter.class,
            description = "Operations for side-by-side and scaling (default: all): snapshot, fault-in, pin, populate-read, mprotect, munmap.")
    private List<Operation> ops = List.of(Operation.values());

    @Option(names = "--repeat", paramLabel = "N", defaultValue = "" + SideBySide.REPEAT,
            description = "Timed rounds per side for side-by-side, scaling and threads (default: ${DEFAULT-VALUE}).")
    private int repeat;

    @Option(names = "--plot", paramLabel = "FILE", converter = PlotFileConverter.class,
            description = "With scaling: draws its curves into FILE.png or FILE.svg.")
    private Path plot;

    @Option(names = "--save-costs", paramLabel = "FILE",
            description = "With side-by-side: write the host's figures as the Linux-side costs of jhmm sim, for jhmm sim --config FILE.")
    private Path saveCosts;

    @Parameters(arity = "0..*", paramLabel = "ENTRY", description = "Entries to run, in order (default: side-by-side).")
    private List<String> names = List.of();

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (list) {
            BenchEntries.all().forEach(e -> out.printf("%-16s %s%n", e.name(), e.description()));
            return 0;
        }
        List<BenchEntry> entries = new ArrayList<>();
        for (String name : names.isEmpty() ? List.of(BenchEntries.DEFAULT) : names) {
            Optional<BenchEntry> e = BenchEntries.find(name);
            if (e.isEmpty()) {
                return usage(err, "unknown bench entry '" + Printable.of(name, 60) + "' (known: "
                        + BenchEntries.all().stream().map(BenchEntry::name).collect(Collectors.joining(", ")) + ")");
            }
            entries.add(e.get());
        }
        BenchOptions options;
        try {
            options = new BenchOptions(iterations, sizes, !noWarmup, size, ops, repeat, plot);
        } catch (IllegalArgumentException e) {
            return usage(err, e.getMessage());
        }
        for (String option : ENTRY_OPTIONS) {
            if (spec.commandLine().getParseResult().hasMatchedOption(option)
                    && entries.stream().noneMatch(e -> e.options().contains(option))) {
                return usage(err, option + " is not read by " + entries.stream().map(BenchEntry::name).collect(Collectors.joining(", "))
                        + " (it is an option of " + BenchEntries.all().stream().filter(e -> e.options().contains(option))
                                .map(BenchEntry::name).collect(Collectors.joining(", ")) + ")");
            }
        }
        List<BenchResult> results = new ArrayList<>();
        for (BenchEntry e : entries) {
            try {
                results.add(e.run(options, main.progress(err)));
            } catch (IllegalArgumentException ex) {
                return usage(err, "bench " + e.name() + ": " + ex.getMessage());
            } catch (IllegalStateException ex) {
                err.println("jhmm: bench " + e.name() + " failed: " + ex.getMessage());
                return 1;
            }
        }
        print(out, results);
        if (saveCosts != null) {
            List<jhmm.perf.Comparison> rows = results.stream().flatMap(r -> r.comparisons().stream()).toList();
            try {
                int keys = HostCostFile.write(saveCosts, rows);
                err.println("jhmm: bench wrote " + keys + " Linux-side cost" + (keys == 1 ? "" : "s") + " of jhmm sim to " + saveCosts
                        + (keys < HostCostFile.operations().size() ? " (the host measured only these; the others keep their defaults)" : ""));
            } catch (java.io.IOException e) {
                err.println("jhmm: bench could not write " + saveCosts + ": " + e.getMessage());
                return RunCommand.USAGE;
            }
        }
        return 0;
    }

    private void print(PrintWriter out, List<BenchResult> results) {
        if (!json) {
            for (int i = 0; i < results.size(); i++) {
                if (i > 0) {
                    out.println();
                }
                results.get(i).printText(out);
            }
            return;
        }
        ObjectNode root = MAPPER.createObjectNode();
        ArrayNode array = root.putArray("results");
        results.forEach(r -> array.add(r.toJson()));
        try {
            out.println(MAPPER.writeValueAsString(root));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the JSON report: " + e.getMessage(), e);
        }
    }

    private static int usage(PrintWriter err, String message) {
        err.println("jhmm: " + message);
        return RunCommand.USAGE;
    }

    /** A converter whose parser's IllegalArgumentException is picocli's one-line usage error. */
    abstract static class Checked<T> implements ITypeConverter<T> {
        abstract T parse(String value);

        @Override
        public T convert(String value) {
            try {
                return parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    /** A range size as {@link RangeSize#parse} reads it. */
    static final class RangeSizeConverter extends Checked<Long> {
        @Override
        Long parse(String value) {
            return RangeSize.parse(value);
        }
    }

    /** An operation by its label. */
    static final class OperationConverter extends Checked<Operation> {
        @Override
        Operation parse(String value) {
            return Operation.parse(value);
        }
    }

    /** A .png or .svg file name for the scaling plot. */
    static final class PlotFileConverter extends Checked<Path> {
        @Override
        Path parse(String value) {
            return ScalingPlot.checkFile(Path.of(value));
        }
    }

    /** A size as {@link ByteSize} reads it, as scenario files write sizes. */
    static final class SizeConverter extends Checked<Long> {
        @Override
        Long parse(String value) {
            return ByteSize.require(value);
        }
    }
}
