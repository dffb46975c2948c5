package jhmm.sim.report;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import jhmm.sim.gpu.Charge;
import jhmm.sim.gpu.GpuSimResult;
import jhmm.sim.gpu.GpuSimSettings;

/** A simulation's result as text: the setup, simulated time and where it went, the counts, the bandwidths. */
public final class SimText {
    private SimText() {}

    public static String of(GpuSimResult r) {
        StringBuilder out = new StringBuilder();
        out.append("jhmm sim ").append(r.settings().source().name()).append(": ").append(r.settings().source().description())
                .append('\n');
        for (String line : setup(r.settings())) {
            out.append("  ").append(line).append('\n');
        }
        out.append('\n');
        if (r.error() != null) {
            out.append("Stopped early: ").append(r.error()).append("\n\n");
        }
        long kernels = 0;
        for (long k : r.kernelPs()) {
            kernels += k;
        }
        out.append(String.format(Locale.ROOT, "Simulated time  %s (kernels %s, the CPU between kernels %s)%n", Units.time(r.totalPs()),
                Units.time(kernels), Units.time(r.totalPs() - kernels)));
        long[] k = r.kernelPs();
        for (int i = 0; i < k.length; i++) {
            out.append(String.format(Locale.ROOT, "  kernel %-3d    %s%n", i + 1, Units.time(k[i])));
        }
        out.append("\nWhere the time went (the warps' rows are summed over warps; the driver's, Linux's and the link's overlap)\n");
        for (Charge c : Charge.values()) {
            out.append(String.format(Locale.ROOT, "  %-15s %10s  %s%n", c.word(), Units.time(r.charge(c)), c.description()));
        }
        out.append("\nCounts\n");
        for (Map.Entry<String, Long> e : r.counts().entrySet()) {
            out.append(String.format(Locale.ROOT, "  %-15s %10d  %s%n", e.getKey(), e.getValue(), CountLabels.of(e.getKey())));
        }
        long[] sizes = r.batchSizes();
        long batches = 0;
        long entries = 0;
        for (int i = 0; i < sizes.length; i++) {
            batches += sizes[i];
            entries += i * sizes[i];
        }
        out.append(String.format(Locale.ROOT, "  batch sizes     %s%n", batches == 0 ? "no batches"
                : String.format(Locale.ROOT, "%.1f entries on average, %d at most", entries / (double) batches, sizes.length - 1)));
        out.append("\nBandwidth (over the whole simulated time; the link's busy share in brackets)\n");
        out.append(String.format(Locale.ROOT, "  to the GPU      %s of %s (%s busy)%n", Units.rate(r.bytesToGpu(), r.totalPs()),
                Units.bytes(r.bytesToGpu()), Units.percent(r.charge(Charge.COPY_TO_GPU), r.totalPs())));
        out.append(String.format(Locale.ROOT, "  to the host     %s of %s (%s busy)%n", Units.rate(r.bytesToHost(), r.totalPs()),
                Units.bytes(r.bytesToHost()), Units.percent(r.charge(Charge.COPY_TO_HOST), r.totalPs())));
        return out.toString();
    }

    /** The settings: the buffer and kernels, the GPU, the driver's knobs. */
    public static List<String> setup(GpuSimSettings s) {
        long vram = s.gpu().vramBytes();
        long fp = s.spec().footprint();
        String fit = vram >= fp ? "the buffer fits"
                : String.format(Locale.ROOT, "oversubscribed: the buffer is %.0f %% of it", 100.0 * fp / vram);
        return List.of(
                String.format(Locale.ROOT, "buffer   %s, %d kernel%s of %d warps, seed %d, CPU pages %s", Units.bytes(fp),
                        s.spec().iterations(), s.spec().iterations() == 1 ? "" : "s", s.spec().warps(), s.spec().seed(),
                        s.thp() == jhmm.mm.ThpMode.NEVER ? "4 KiB" : "THP " + word(s.thp())),
                String.format(Locale.ROOT, "GPU      %s, VRAM %s (%s), PCIe Gen%d", s.pinUpFront()
                        ? "pins the buffer and DMA-maps it up front (mode pin)" : "mirrors the buffer (mode mirror)",
                        Units.bytes(vram), fit, s.cost().linkGeneration()),
                String.format(Locale.ROOT, "driver   policy %s: chunks %s, prefetch %s, batch %d, replay %s, thrashing %s,"
                                + " migrate on fault %s", word(s.policy()), chunks(s.gpu().chunks()), onOff(s.gpu().prefetch()),
                        s.gpu().batch(), word(s.gpu().replay()), onOff(s.gpu().thrashing()), onOff(s.gpu().migrateOnFault())));
    }

    private static String onOff(boolean on) {
        return on ? "on" : "off";
    }

    private static String chunks(long[] c) {
        List<String> out = new java.util.ArrayList<>();
        for (long v : c) {
            out.add(v >= 1 << 20 ? (v >> 20) + "M" : (v >> 10) + "K");
        }
        return String.join(",", out);
    }

    static String word(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
