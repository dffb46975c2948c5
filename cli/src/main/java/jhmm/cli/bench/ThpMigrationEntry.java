package jhmm.cli.bench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import jhmm.base.PageSize;
import jhmm.selftest.ThpMigrationRun;
import jhmm.selftest.ThpMigrationRun.Size;
import jhmm.selftest.ThpMigrationRun.Timing;

/**
 * {@code thp-migration}: the kernel selftest {@code benchmark_thp_migration} (hmm-tests.md
 * T37) run on the model, without JMH. Per size a run with THP ({@code MADV_HUGEPAGE}) and one
 * without ({@code MADV_NOHUGEPAGE}), each {@link ThpMigrationRun}: warm-up round trip, then
 * the timed MIGRATE_TO_DEV / MIGRATE_TO_SYS pairs; printed as the kernel test prints them.
 * Unless told not to, every run is first made once untimed: without that the first runs time
 * the JIT compiler and the heap growing, not the model.
 */
final class ThpMigrationEntry implements BenchEntry {
    static final String NAME = "thp-migration";

    @Override
    public java.util.Set<String> options() {
        return java.util.Set.of("--iterations", "--sizes", "--no-warmup");
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "hmm-tests benchmark_thp_migration: device migration of T/4..128T buffers, THP vs 4K pages";
    }

    @Override
    public BenchResult run(BenchOptions options, PrintWriter progress) {
        List<Size> sizes = options.sizes().isEmpty() ? ThpMigrationRun.SIZES : options.sizes().stream().map(ThpMigrationEntry::named).toList();
        for (Size s : sizes) {
            if (s.bytes() <= 0 || s.bytes() % PageSize.PAGE_SIZE != 0 || s.bytes() > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("thp-migration sizes must be positive multiples of 4K below 2G (INT_MAX, as the kernel test): " + s.bytes());
            }
        }
        if (options.warmup()) {
            // the JVM compiles the model and grows its heap during the first runs: pay for that untimed
            for (Size s : sizes) {
                ThpMigrationRun.run(s.bytes(), true, 1);
                ThpMigrationRun.run(s.bytes(), false, 1);
            }
            progress.printf("%s: JVM warm-up done%n", NAME);
            progress.flush();
        }
        List<Row> rows = new ArrayList<>();
        for (Size s : sizes) {
            Timing thp = ThpMigrationRun.run(s.bytes(), true, options.iterations());
            Timing regular = ThpMigrationRun.run(s.bytes(), false, options.iterations());
            rows.add(new Row(s, thp, regular));
            progress.printf(Locale.ROOT, "%s: %s (%.1f MB) done%n", NAME, s.name(), mb(s.bytes()));
            progress.flush();
        }
        return new Result(options.iterations(), options.warmup(), rows);
    }

    /** The kernel test's name for a size it uses, else a neutral one. */
    private static Size named(long bytes) {
        return ThpMigrationRun.SIZES.stream().filter(s -> s.bytes() == bytes).findFirst().orElse(new Size("Buffer", bytes));
    }

    private static double mb(long bytes) {
        return bytes / (1024.0 * 1024.0);
    }

    /** One size: the run with THP and the one without. */
    record Row(Size size, Timing thp, Timing regular) {
        /** Time saved by THP, percent of the 4K time (the kernel's "improvement" of a time). */
        static double timeGain(double thp, double regular) {
            return (regular - thp) / regular * 100.0;
        }

        /** Throughput gained by THP, percent of the 4K throughput. */
        static double rateGain(double thp, double regular) {
            return (thp - regular) / regular * 100.0;
        }
    }

    record Result(int iterations, boolean warmedUp, List<Row> rows) implements BenchResult {
        private static final String LINE = "-".repeat(73);

        @Override
        public void printText(PrintWriter out) {
            out.println("HMM THP Migration Benchmark (jhmm model)");
            out.println("----------------------------------------");
            out.printf(Locale.ROOT, "System page size: %d bytes; %d timed iterations per run%s%n", PageSize.PAGE_SIZE, iterations,
                    warmedUp ? "; after an untimed pass of every run (JVM warm-up)" : "; no JVM warm-up");
            for (Row r : rows) {
                Timing t = r.thp();
                Timing g = r.regular();
                out.printf(Locale.ROOT, "%n=== %s (%.1f MB) ===%n", r.size().name(), mb(r.size().bytes()));
                row(out, "", "With THP", "Without THP", "Improvement");
                out.println(LINE);
                row(out, "Sys->Dev Migration", ms(t.sysToDevMs()), ms(g.sysToDevMs()), pct(Row.timeGain(t.sysToDevMs(), g.sysToDevMs())));
                row(out, "Dev->Sys Migration", ms(t.devToSysMs()), ms(g.devToSysMs()), pct(Row.timeGain(t.devToSysMs(), g.devToSysMs())));
                row(out, "S->D Throughput", gbps(t.sysToDevGBps()), gbps(g.sysToDevGBps()), pct(Row.rateGain(t.sysToDevGBps(), g.sysToDevGBps())));
                row(out, "D->S Throughput", gbps(t.devToSysGBps()), gbps(g.devToSysGBps()), pct(Row.rateGain(t.devToSysGBps(), g.devToSysGBps())));
            }
        }

        private static void row(PrintWriter out, String label, String thp, String regular, String gain) {
            out.printf(Locale.ROOT, "%-20s | %-15s | %-15s | %s%n", label, thp, regular, gain);
        }

        private static String ms(double v) {
            return String.format(Locale.ROOT, "%.3f ms", v);
        }

        private static String gbps(double v) {
            return String.format(Locale.ROOT, "%.2f GB/s", v);
        }

        private static String pct(double v) {
            return String.format(Locale.ROOT, "%.1f%%", v);
        }

        @Override
        public ObjectNode toJson() {
            JsonNodeFactory f = JsonNodeFactory.instance;
            ObjectNode root = f.objectNode();
            root.put("entry", NAME);
            root.put("iterations", iterations);
            root.put("jvmWarmup", warmedUp);
            root.put("pageSize", PageSize.PAGE_SIZE);
            root.put("thpSize", ThpMigrationRun.THP_SIZE);
            ArrayNode sizes = root.putArray("sizes");
            for (Row r : rows) {
                ObjectNode n = sizes.addObject();
                n.put("name", r.size().name());
                n.put("bytes", r.size().bytes());
                timing(n.putObject("thp"), r.thp());
                timing(n.putObject("noThp"), r.regular());
                ObjectNode gain = n.putObject("improvementPercent");
                gain.put("sysToDev", Row.timeGain(r.thp().sysToDevMs(), r.regular().sysToDevMs()));
                gain.put("devToSys", Row.timeGain(r.thp().devToSysMs(), r.regular().devToSysMs()));
                gain.put("sysToDevThroughput", Row.rateGain(r.thp().sysToDevGBps(), r.regular().sysToDevGBps()));
                gain.put("devToSysThroughput", Row.rateGain(r.thp().devToSysGBps(), r.regular().devToSysGBps()));
            }
            return root;
        }

        private static void timing(ObjectNode n, Timing t) {
            n.put("sysToDevMs", t.sysToDevMs());
            n.put("devToSysMs", t.devToSysMs());
            n.put("sysToDevGBps", t.sysToDevGBps());
            n.put("devToSysGBps", t.devToSysGBps());
        }
    }
}
