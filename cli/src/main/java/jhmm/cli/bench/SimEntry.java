package jhmm.cli.bench;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.Set;
import jhmm.base.ByteSize;
import jhmm.sim.config.SimConfig;
import jhmm.sim.gpu.GpuSim;
import jhmm.sim.gpu.GpuSimResult;
import jhmm.sim.gpu.GpuSimSettings;
import jhmm.sim.workload.Workload;

/**
 * {@code sim}: how fast {@code jhmm sim} simulates. The stream workload over a buffer of
 * {@code --size} (1G by default) for eight kernels, with VRAM of {@code vram}: the wall time
 * split into building the machine (the CPU writing the buffer), the first kernel (every fault,
 * migration and copy goes through the model) and the other seven (warps only); simulated
 * accesses and engine events per second of each.
 */
final class SimEntry implements BenchEntry {
    private static final int KERNELS = 8;

    private final String name;
    private final String description;
    /** VRAM as a share of the footprint: 1 fits, 0.5 is a buffer twice the VRAM. */
    private final double vramShare;
    /** The buffer's size, or 0 for --size's. */
    private final long fixedSize;

    private SimEntry(String name, String description, double vramShare, long fixedSize) {
        this.name = name;
        this.description = description;
        this.vramShare = vramShare;
        this.fixedSize = fixedSize;
    }

    static SimEntry fits() {
        return new SimEntry("sim", "jhmm sim's speed: a stream over --size (1G), 8 kernels, accesses and events per second,"
                + " where the time goes", 1, 0);
    }

    static SimEntry oversubscribed() {
        return new SimEntry("sim-oversubscribed", "jhmm sim's scale: a 16G stream through 8G of VRAM (evicting every kernel),"
                + " 2 kernels, wall time", 0.5, 16L << 30);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Set<String> options() {
        return fixedSize == 0 ? Set.of("--size") : Set.of();
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    public BenchResult run(BenchOptions options, PrintWriter progress) {
        long size = fixedSize == 0 ? options.size() : fixedSize;
        int kernels = vramShare < 1 ? 2 : KERNELS;
        SimConfig c = SimConfig.reference().with("workload.footprint", Long.toString(size)).with("workload.iterations", "" + kernels)
                .with("gpu.vram", Long.toString((long) (size * vramShare)));
        long t0 = System.nanoTime();
        GpuSim sim = new GpuSim(GpuSimSettings.from(Workload.STREAM_READ, c.config()));
        long built = System.nanoTime();
        long[] firstEnded = {0};
        GpuSimResult r = sim.onKernelEnd(k -> {
            if (k == 1) {
                firstEnded[0] = System.nanoTime();
            }
            progress.printf("%s: kernel %d of %d done%n", name, k, kernels);
            progress.flush();
        }).run();
        long done = System.nanoTime();
        if (r.error() != null) {
            throw new IllegalStateException(r.error());
        }
        long perKernel = size / 128;
        return new Result(name, size, (long) (size * vramShare), kernels, built - t0, firstEnded[0] - built, done - firstEnded[0],
                perKernel, r.accesses(), r.events(), Runtime.getRuntime().maxMemory());
    }

    record Result(String name, long size, long vram, int kernels, long buildNanos, long firstNanos, long restNanos, long accessesPerKernel,
            long accesses, long events, long maxHeap) implements BenchResult {
        @Override
        public void printText(PrintWriter out) {
            out.printf(Locale.ROOT, "jhmm sim stream-read over %s with %s of VRAM, %d kernels of %d accesses (64 warps), heap %s%n",
                    ByteSize.format(size), ByteSize.format(vram), kernels, accessesPerKernel, ByteSize.format(maxHeap));
            out.printf(Locale.ROOT, "%-34s %9s %14s%n", "part", "wall s", "accesses/s");
            out.printf(Locale.ROOT, "%-34s %9.2f %14s%n", "machine built, buffer written", buildNanos / 1e9, "-");
            out.printf(Locale.ROOT, "%-34s %9.2f %14s%n", "kernel 1 (faults, migration)", firstNanos / 1e9, rate(accessesPerKernel, firstNanos));
            out.printf(Locale.ROOT, "%-34s %9.2f %14s%n", "kernels 2.." + kernels + " (" + (fits() ? "warps only)" : "evicting again)"),
                    restNanos / 1e9, rate(accesses - accessesPerKernel, restNanos));
            out.printf(Locale.ROOT, "%-34s %9.2f %14s   %d engine events, %.1f M/s%n", "all", (buildNanos + firstNanos + restNanos) / 1e9,
                    rate(accesses, firstNanos + restNanos), events, events * 1e3 / Math.max(1, firstNanos + restNanos));
        }

        /** Whether the buffer fits the VRAM: then the later kernels only run warps. */
        private boolean fits() {
            return vram >= size;
        }

        private static String rate(long n, long nanos) {
            return nanos == 0 ? "-" : String.format(Locale.ROOT, "%.1f M", n * 1e3 / nanos);
        }

        @Override
        public ObjectNode toJson() {
            ObjectNode o = JsonNodeFactory.instance.objectNode();
            o.put("entry", name);
            o.put("sizeBytes", size);
            o.put("vramBytes", vram);
            o.put("kernels", kernels);
            o.put("buildNanos", buildNanos);
            o.put("firstKernelNanos", firstNanos);
            o.put("otherKernelsNanos", restNanos);
            o.put("accesses", accesses);
            o.put("events", events);
            o.put("maxHeapBytes", maxHeap);
            return o;
        }
    }
}
