package jhmm.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.IOException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.typesafe.config.ConfigException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import jhmm.base.Printable;
import jhmm.sim.config.SimConfig;
import jhmm.sim.gpu.GpuSim;
import jhmm.sim.gpu.GpuSimSettings;
import jhmm.sim.report.SimComparison;
import jhmm.sim.report.SimHtml;
import jhmm.sim.report.SimJson;
import jhmm.sim.report.SimText;
import jhmm.sim.result.SimResult;
import jhmm.sim.rnic.NicSim;
import jhmm.sim.rnic.NicSimSettings;
import jhmm.sim.rnic.NicWorkload;
import jhmm.sim.run.Sweep;
import jhmm.sim.workload.Trace;
import jhmm.sim.workload.TraceFormat;
import jhmm.sim.workload.Workload;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code jhmm sim}: a GPU or NIC workload in simulated time, and where the time goes. */
@Command(
        name = "sim",
        mixinStandardHelpOptions = true,
        header = "Runs a GPU or RDMA NIC workload on the model in simulated time and says where the time goes.",
        description = {
            "Runs a built-in workload on a GPU that mirrors a process's memory through HMM (faults, batches,"
                    + " prefetch, migration to VRAM and back, eviction), or on an RDMA NIC whose memory region is"
                    + " pinned at registration or uses on-demand paging (faults stall operations with RNR retries),"
                    + " with simulated time: prints the simulated time and its breakdown, the counts and the derived"
                    + " figures. Every setting and cost has a default in the reference configuration (--settings"
                    + " prints it, commented with sources); change them with --config and --set. --compare runs the"
                    + " workload under several values of a setting side by side, on the machine's cores; two runs"
                    + " with the same settings give the same figures.",
            "",
            "GPU workloads (--list): stream-read, stream-write, stream-rmw, strided, random, hot-cold, stencil, matmul,"
                    + " ping-pong. NIC workloads: rdma-dense, rdma-sparse, rdma-fork, rdma-remap, rdma-migrate,"
                    + " rdma-pressure (nic.mr=pinned|odp|implicit)."
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:done",
            "1:a simulation stopped early (a fault the driver could not service, a registration refused; the output says which)",
            "2:bad input: an unknown workload or setting, a bad value, a footprint this JVM cannot hold",
            "3:an internal error of jhmm (a bug: please report it with the command line)"
        })
final class SimCommand implements Callable<Integer> {
    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @Spec
    private CommandSpec spec;

    @ParentCommand
    private Main main;

    @Parameters(arity = "0..1", paramLabel = "WORKLOAD", description = "The workload to run (--list names them).")
    private String workload;

    @Option(names = "--trace", paramLabel = "FILE",
            description = "Replay a recorded trace (text or binary, docs/sim.md) instead of a built-in workload.")
    private Path trace;

    @Option(names = "--write-trace", paramLabel = "FILE",
            description = "Write the workload's accesses to FILE as a trace (text; binary with --binary) and exit.")
    private Path writeTrace;

    @Option(names = "--binary", description = "With --write-trace: the compact binary form.")
    private boolean binary;

    @Option(names = "--list", description = "Name the workloads, one a line, and exit.")
    private boolean list;

    @Option(names = "--settings", description = "Print the reference configuration (every setting and cost, commented) and exit.")
    private boolean settings;

    @Option(names = "--footprint", paramLabel = "SIZE", description = "The buffer's size, a multiple of 2M (setting workload.footprint).")
    private String footprint;

    @Option(names = "--iterations", paramLabel = "N", description = "Kernels to run (workload.iterations).")
    private String iterations;

    @Option(names = "--warps", paramLabel = "N", description = "Warps per kernel (workload.warps).")
    private String warps;

    @Option(names = "--seed", paramLabel = "N", description = "Seed of the random workloads (workload.seed).")
    private String seed;

    @Option(names = "--oversubscription", paramLabel = "PERCENT",
            description = "The buffer as a percentage of VRAM: 150 makes VRAM two thirds of the buffer (gpu.oversubscription).")
    private String oversubscription;

    @Option(names = "--config", paramLabel = "FILE", description = "A HOCON file of settings to change (repeatable; later files win).")
    private List<Path> configs = new ArrayList<>();

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Change one setting: --set gpu.prefetch=off (repeatable; after --config).")
    private List<String> sets = new ArrayList<>();

    @Option(names = "--compare", paramLabel = "KEY=A,B,...",
            description = "Run once per value of KEY, side by side (repeatable: every combination).")
    private List<String> compares = new ArrayList<>();

    @Option(names = "--threads", paramLabel = "N", description = "Runs of --compare at once (default: the machine's cores).")
    private int threads = Runtime.getRuntime().availableProcessors();

    @Option(names = "--json", description = "Print JSON instead of text.")
    private boolean json;

    @Option(names = "--report", paramLabel = "FILE.html",
            description = "Also write one self-contained page (works offline) with charts: VRAM residency, faults and link"
                    + " bandwidth over time, batch sizes, the runs' times as bars.")
    private Path report;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (list) {
            for (Workload w : Workload.values()) {
                out.println(w.word());
            }
            for (NicWorkload w : NicWorkload.values()) {
                out.println(w.word());
            }
            return 0;
        }
        if (settings) {
            out.print(SimConfig.referenceText());
            return 0;
        }
        Workload w = workload == null ? null : Workload.of(workload);
        NicWorkload nic = workload == null ? null : NicWorkload.of(workload);
        if ((w == null && nic == null) == (trace == null)) {
            err.println("jhmm sim: " + (trace != null ? "a workload or --trace, not both"
                    : workload == null ? "which workload?" : "no workload \"" + Printable.of(workload, 40) + "\"")
                    + " (jhmm sim --list names them)");
            return RunCommand.USAGE;
        }
        if (nic != null && writeTrace != null) {
            err.println("jhmm sim: --write-trace records GPU workloads; " + nic.word() + " is a NIC workload");
            return RunCommand.USAGE;
        }
        List<String> labels = new ArrayList<>();
        List<GpuSimSettings> gpuPoints = new ArrayList<>();
        List<NicSimSettings> nicPoints = new ArrayList<>();
        try {
            SimConfig base = configure();
            Trace recorded = trace == null ? null : TraceFormat.read(trace);
            for (Map.Entry<String, SimConfig> p : points(base).entrySet()) {
                labels.add(p.getKey());
                if (nic != null) {
                    nicPoints.add(NicSimSettings.from(nic, p.getValue().config()));
                } else {
                    gpuPoints.add(recorded == null ? GpuSimSettings.from(w, p.getValue().config())
                            : GpuSimSettings.from(recorded, p.getValue().config()));
                }
            }
        } catch (IllegalArgumentException | ConfigException bad) {
            err.println("jhmm sim: " + bad.getMessage());
            return RunCommand.USAGE;
        }
        if (writeTrace != null) {
            GpuSimSettings s = gpuPoints.get(0);
            try (var os = java.nio.file.Files.newOutputStream(writeTrace)) {
                (binary ? TraceFormat.BINARY : TraceFormat.TEXT).write(s.source(), s.spec().footprint(), s.spec().iterations(),
                        s.spec().warps(), os);
            }
            return 0;
        }
        List<? extends SimResult> results;
        PrintWriter progress = main.progress(err);
        long started = System.nanoTime();
        // progress lines only once a run has taken more than a second
        java.util.function.Consumer<String> note = line -> {
            if (System.nanoTime() - started > 1_000_000_000L) {
                progress.println("sim: " + line);
                progress.flush();
            }
        };
        try {
            int runs = labels.size();
            java.util.function.IntConsumer done = n -> note.accept(n + " of " + runs + " runs done");
            if (nic != null) {
                results = Sweep.run(nicPoints, threads, s -> new NicSim(s).run(), done);
            } else if (runs == 1) {
                int kernels = gpuPoints.get(0).spec().iterations();
                results = List.of(new GpuSim(gpuPoints.get(0)).onKernelEnd(k -> note.accept("kernel " + k + " of " + kernels + " done")).run());
            } else {
                results = Sweep.run(gpuPoints, threads, s -> new GpuSim(s).run(), done);
            }
        } catch (IllegalArgumentException tooLarge) {
            err.println("jhmm sim: " + tooLarge.getMessage());
            return RunCommand.USAGE;
        }
        print(out, labels, results);
        if (report != null) {
            try {
                java.nio.file.Files.writeString(report, SimHtml.of(labels, results, text(labels, results)));
            } catch (IOException e) {
                err.println("jhmm sim: cannot write " + report + ": " + e.getMessage());
                return RunCommand.USAGE;
            }
        }
        return results.stream().anyMatch(r -> r.error() != null) ? 1 : 0;
    }

    private void print(PrintWriter out, List<String> labels, List<? extends SimResult> results) throws JsonProcessingException {
        if (json) {
            Object body;
            if (compares.isEmpty()) {
                body = SimJson.of(results.get(0));
            } else {
                List<Object> runs = new ArrayList<>();
                for (int i = 0; i < results.size(); i++) {
                    Map<String, Object> run = new LinkedHashMap<>();
                    run.put("label", labels.get(i));
                    run.putAll(SimJson.of(results.get(i)));
                    runs.add(run);
                }
                body = Map.of("compare", String.join(" ", compares), "runs", runs);
            }
            out.println(MAPPER.writeValueAsString(body));
        } else {
            out.print(text(labels, results));
        }
    }

    private String text(List<String> labels, List<? extends SimResult> results) {
        return compares.isEmpty() ? SimText.of(results.get(0))
                : SimComparison.of(String.join(", ", compares.stream().map(c -> c.substring(0, c.indexOf('='))).toList()), labels, results);
    }

    /** The reference under the files, the options and --set, in that order. */
    private SimConfig configure() {
        SimConfig c = SimConfig.reference();
        for (Path f : configs) {
            c = c.withFile(f);
        }
        c = option(c, "workload.footprint", footprint);
        c = option(c, "workload.iterations", iterations);
        c = option(c, "workload.warps", warps);
        c = option(c, "workload.seed", seed);
        c = option(c, "gpu.oversubscription", oversubscription == null ? null : oversubscription.replaceFirst("%$", ""));
        for (String s : sets) {
            int eq = s.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("--set " + Printable.of(s, 40) + ": expected KEY=VALUE");
            }
            c = c.with(s.substring(0, eq), s.substring(eq + 1));
        }
        return c;
    }

    private static SimConfig option(SimConfig c, String key, String value) {
        return value == null ? c : c.with(key, value);
    }

    /** One configuration per combination of the --compare values, labelled {@code key=value ...}; just the base without any. */
    private Map<String, SimConfig> points(SimConfig base) {
        Map<String, SimConfig> points = new LinkedHashMap<>();
        points.put("", base);
        for (String cmp : compares) {
            int eq = cmp.indexOf('=');
            if (eq <= 0 || eq == cmp.length() - 1) {
                throw new IllegalArgumentException("--compare " + Printable.of(cmp, 40) + ": expected KEY=A,B,...");
            }
            String key = cmp.substring(0, eq);
            Map<String, SimConfig> next = new LinkedHashMap<>();
            for (Map.Entry<String, SimConfig> p : points.entrySet()) {
                for (String v : cmp.substring(eq + 1).split(",")) {
                    next.put((p.getKey().isEmpty() ? "" : p.getKey() + " ") + key + "=" + v, p.getValue().with(key, v));
                }
            }
            points = next;
        }
        return points;
    }
}
