package jhmm.cli.bench;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.Set;
import jhmm.perf.RangeSize;
import jhmm.perf.ThreadScaling;
import jhmm.perf.host.HostSupport;

/**
 * {@code threads}: MADV_POPULATE_WRITE + munmap of {@code --size} of 4 KiB pages in two halves
 * from 1 thread and from 2 threads of one process, on the model and on the host kernel; each
 * side's throughput with 2 threads relative to 1, side by side, against the 1.6; then
 * the same with only the faults timed.
 */
final class ThreadsEntry implements BenchEntry {
    static final String NAME = "threads";

    @Override
    public Set<String> options() {
        return Set.of("--size", "--repeat");
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "populate + munmap of 4 KiB pages in 2 halves from 1 and 2 threads; 2-thread/1-thread throughput, model and host (target >= "
                + ThreadScaling.TARGET + ")";
    }

    @Override
    public BenchResult run(BenchOptions options, PrintWriter progress) {
        ThreadScaling s = ThreadScaling.measure(options.size(), options.repeat(), HostSupport.probe(), line -> {
            progress.println(NAME + ": " + line);
            progress.flush();
        });
        return new Result(s, Runtime.getRuntime().availableProcessors());
    }

    record Result(ThreadScaling s, int cpus) implements BenchResult {
        private static final String FORMAT = "%-11s %12s %12s %18s%n";

        @Override
        public void printText(PrintWriter out) {
            out.printf(Locale.ROOT, "jhmm threads: MADV_POPULATE_WRITE + munmap of %s of 4 KiB pages in 2 halves, from 1 thread (half after half)%n",
                    RangeSize.format(s.size()));
            out.printf(Locale.ROOT, "and from 2 threads (a half each) of one process; median of %d rounds each, interleaved, after %d warm-up rounds;%n",
                    s.repeat(), ThreadScaling.WARMUP);
            out.printf(Locale.ROOT, "scaling = 1-thread time / 2-thread time (throughput of 2 threads over 1); %d CPUs here%n", cpus);
            out.printf(Locale.ROOT, FORMAT, "side", "1 thread ms", "2 threads ms", "scaling");
            printSides(out, s.timed());
            out.printf(Locale.ROOT, "faults alone (the munmaps after the clock stops):%n");
            printSides(out, s.faults());
            out.printf(Locale.ROOT, "target: model scaling >= %.1fx (the host kernel's, with split page-table locks and per-VMA locks)%n",
                    ThreadScaling.TARGET);
            out.printf(Locale.ROOT, "model apart: each half on a machine of its own, nothing of the model shared: the most this host gives the model's code%n");
            out.printf(Locale.ROOT, "two munmaps of one process take turns on the mmap lock, in the kernel too: the cheaper munmap is next to a fault, the less that costs%n");
        }

        private void printSides(PrintWriter out, ThreadScaling.Sides sides) {
            out.printf(Locale.ROOT, FORMAT, "model", ms(sides.model().oneThread()), ms(sides.model().twoThreads()),
                    String.format(Locale.ROOT, "%.2fx (%s)", sides.model().scaling(), sides.met() ? "met" : "missed"));
            out.printf(Locale.ROOT, FORMAT, "model apart", ms(sides.apart().oneThread()), ms(sides.apart().twoThreads()),
                    String.format(Locale.ROOT, "%.2fx", sides.apart().scaling()));
            if (s.hostMissing() != null) {
                out.printf(Locale.ROOT, FORMAT, "host", "-", "-", "not run: " + s.hostMissing());
            } else {
                out.printf(Locale.ROOT, FORMAT, "host", ms(sides.host().oneThread()), ms(sides.host().twoThreads()),
                        String.format(Locale.ROOT, "%.2fx", sides.host().scaling()));
            }
        }

        private static String ms(long ns) {
            return String.format(Locale.ROOT, "%.1f", ns / 1e6);
        }

        @Override
        public ObjectNode toJson() {
            ObjectNode root = JsonNodeFactory.instance.objectNode();
            root.put("entry", NAME);
            root.put("sizeBytes", s.size());
            root.put("repeat", s.repeat());
            root.put("warmup", ThreadScaling.WARMUP);
            root.put("cpus", cpus);
            root.put("target", ThreadScaling.TARGET);
            putSides(root, s.timed());
            putSides(root.putObject("faultsOnly"), s.faults());
            return root;
        }

        /** {@code model}, {@code modelApart} and {@code host}, each its times and scaling. */
        private void putSides(ObjectNode into, ThreadScaling.Sides sides) {
            putTiming(into.putObject("model"), sides.model()).put("met", sides.met());
            putTiming(into.putObject("modelApart"), sides.apart());
            ObjectNode h = into.putObject("host");
            h.put("kernel", System.getProperty("os.version"));
            h.put("unavailable", s.hostMissing());
            if (s.hostMissing() == null) {
                putTiming(h, sides.host());
            }
        }

        private static ObjectNode putTiming(ObjectNode o, ThreadScaling.Timing t) {
            o.put("oneThreadNanos", t.oneThread());
            o.put("twoThreadsNanos", t.twoThreads());
            o.put("scaling", t.scaling());
            return o;
        }
    }
}
