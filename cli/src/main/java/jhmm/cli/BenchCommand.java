package jhmm.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import jhmm.cli.bench.BenchEntries;
import jhmm.cli.bench.BenchEntry;
import jhmm.cli.bench.BenchOptions;
import jhmm.cli.bench.BenchResult;
import jhmm.selftest.ThpMigrationRun;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/** {@code jhmm bench [--list] [--json] [--iterations N] [--sizes S,...] ENTRY...}. */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        description = {
            "Runs named measurements of the model (see --list), without JMH.",
            "Exit code: 0 done, 1 a measured operation failed, 2 bad input (unknown entry, bad option)."
        })
final class BenchCommand implements Callable<Integer> {
    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @Spec
    private CommandSpec spec;

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
            description = "Buffer sizes instead of the entry's own: T/4, T, 128T (T = 2 MiB), 512K, 4M ...")
    private List<Long> sizes = List.of();

    @Parameters(arity = "0..*", paramLabel = "ENTRY", description = "Entries to run, in order.")
    private List<String> names = List.of();

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (list) {
            BenchEntries.all().forEach(e -> out.printf("%-16s %s%n", e.name(), e.description()));
            return 0;
        }
        if (names.isEmpty()) {
            return usage(err, "missing entry (try 'jhmm bench --list')");
        }
        List<BenchEntry> entries = new ArrayList<>();
        for (String name : names) {
            Optional<BenchEntry> e = BenchEntries.find(name);
            if (e.isEmpty()) {
                return usage(err, "unknown bench entry '" + name + "' (known: "
                        + BenchEntries.all().stream().map(BenchEntry::name).collect(Collectors.joining(", ")) + ")");
            }
            entries.add(e.get());
        }
        BenchOptions options;
        try {
            options = new BenchOptions(iterations, sizes, !noWarmup);
        } catch (IllegalArgumentException e) {
            return usage(err, e.getMessage());
        }
        List<BenchResult> results = new ArrayList<>();
        for (BenchEntry e : entries) {
            try {
                results.add(e.run(options, err));
            } catch (IllegalArgumentException ex) {
                return usage(err, ex.getMessage());
            } catch (IllegalStateException ex) {
                err.println("jhmm: bench " + e.name() + " failed: " + ex.getMessage());
                return 1;
            }
        }
        print(out, results);
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

    /** A buffer size as {@link ThpMigrationRun#parseSize} reads it. */
    static final class SizeConverter implements ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            try {
                return ThpMigrationRun.parseSize(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }
}
