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
 * side's throughput with 2 threads relative to 1, side by side, against the 1.6.
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
            out.printf(Locale.ROOT, FORMAT, "model", ms(s.model1()), ms(s.model2()),
                    String.format(Locale.ROOT, "%.2fx (%s)", s.modelScaling(), s.met() ? "met" : "missed"));
            out.printf(Locale.ROOT, FORMAT, "model apart", ms(s.apart1()), ms(s.apart2()), String.format(Locale.ROOT, "%.2fx", s.apartScaling()));
            if (s.hostMissing() != null) {
                out.printf(Locale.ROOT, FORMAT, "host", "-", "-", "not run: " + s.hostMissing());
            } else {
                out.printf(Locale.ROOT, FORMAT, "host", ms(s.host1()), ms(s.host2()), String.format(Locale.ROOT, "%.2fx", s.hostScaling()));
            }
            out.printf(Locale.ROOT, "target: model scaling >= %.1fx (the host kernel's, with split page-table locks and per-VMA locks)%n",
                    ThreadScaling.TARGET);
            out.printf(Locale.ROOT, "model apart: each half on a machine of its own, nothing of the model shared: the most this host gives the model's code%n");
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
            ObjectNode m = root.putObject("model");
            m.put("oneThreadNanos", s.model1());
            m.put("twoThreadsNanos", s.model2());
            m.put("scaling", s.modelScaling());
            m.put("met", s.met());
            ObjectNode a = root.putObject("modelApart");
            a.put("oneThreadNanos", s.apart1());
            a.put("twoThreadsNanos", s.apart2());
            a.put("scaling", s.apartScaling());
            ObjectNode h = root.putObject("host");
            h.put("kernel", System.getProperty("os.version"));
            h.put("unavailable", s.hostMissing());
            if (s.hostMissing() == null) {
                h.put("oneThreadNanos", s.host1());
                h.put("twoThreadsNanos", s.host2());
                h.put("scaling", s.hostScaling());
            }
            return root;
        }
    }
}
