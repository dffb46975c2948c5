package jhmm.sim.gpu;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import jhmm.sim.result.ChargeKind;
import jhmm.sim.result.Distribution;
import jhmm.sim.result.Figure;
import jhmm.sim.result.Samples;
import jhmm.sim.result.SimResult;
import jhmm.sim.result.TimeCharge;
import jhmm.sim.result.Units;

/**
 * What one GPU simulation measured. Times are picoseconds of simulated time.
 *
 * @param settings what it ran with
 * @param totalPs from the first kernel's launch until the last kernel ended
 * @param kernelPs each kernel's duration, launch to its last warp
 * @param chargePs time per {@link Charge}, by ordinal
 * @param counts what was counted, by name, in a fixed order: the model's GPU counters and the timing layer's own
 * @param batchSizes how many batches fetched each number of entries (index: entries)
 * @param timeline samples at each batch's and kernel's end, one array a column: simulated time, buffer pages in
 *     VRAM, faults so far, bytes sent to the GPU so far, bytes sent to the host so far
 * @param bytesToGpu bytes copied to VRAM
 * @param bytesToHost bytes copied back to system memory
 * @param accesses warp accesses simulated
 * @param events engine wakeups
 * @param error null, or why the run stopped early (a fault that could not be serviced)
 */
public record GpuSimResult(GpuSimSettings settings, long totalPs, long[] kernelPs, long[] chargePs, Map<String, Long> counts,
        long[] batchSizes, long[][] timeline, long bytesToGpu, long bytesToHost, long accesses, long events, String error)
        implements SimResult {

    private static final List<String> SAMPLED = List.of("vramPages", "faults", "bytesToGpu", "bytesToHost");
    private static final List<Samples.Chart> CHARTS = List.of(
            new Samples.Chart("residency", "Pages in VRAM over time", "", "vramPages", "MiB in VRAM", 256, false),
            new Samples.Chart("faults", "Faults over time (cumulative)", "", "faults", "faults", 1, false),
            new Samples.Chart("link", "Link bandwidth to the GPU over time", "Bytes the driver asked the link to move between two"
                    + " samples (each batch's end), over the time between them.", "bytesToGpu", "GB/s", 1e6, true));

    public long charge(Charge c) {
        return chargePs[c.ordinal()];
    }

    @Override
    public String phaseWord() {
        return "kernel";
    }

    @Override
    public long[] phasePs() {
        return kernelPs;
    }

    @Override
    public String outsidePhases() {
        return "the CPU between kernels";
    }

    @Override
    public String chargesHeading() {
        return "the warps' rows are summed over warps; the driver's, Linux's and the link's overlap";
    }

    @Override
    public List<TimeCharge> charges() {
        return ChargeKind.times(Charge.values(), chargePs);
    }

    @Override
    public String countLabel(String word) {
        return GpuCountLabels.of(word);
    }

    @Override
    public List<Figure> countFigures() {
        long batches = 0;
        long entries = 0;
        for (int i = 0; i < batchSizes.length; i++) {
            batches += batchSizes[i];
            entries += i * batchSizes[i];
        }
        String text = batches == 0 ? "no batches" : String.format(Locale.ROOT, "%.1f entries on average, %d at most",
                entries / (double) batches, batchSizes.length - 1);
        return List.of(new Figure("batch sizes", text, text));
    }

    @Override
    public String figuresHeading() {
        return "Bandwidth (over the whole simulated time; the link's busy share in brackets)";
    }

    @Override
    public List<Figure> figures() {
        return List.of(bandwidth("to the GPU", bytesToGpu, Charge.COPY_TO_GPU), bandwidth("to the host", bytesToHost, Charge.COPY_TO_HOST));
    }

    private Figure bandwidth(String name, long bytes, Charge busy) {
        String rate = Units.rate(bytes, totalPs);
        return new Figure(name, rate + " of " + Units.bytes(bytes) + " (" + Units.percent(charge(busy), totalPs) + " busy)", rate);
    }

    @Override
    public Samples samples() {
        return new Samples(SAMPLED, timeline, CHARTS);
    }

    @Override
    public Distribution distribution() {
        String[] labels = new String[batchSizes.length];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = Integer.toString(i);
        }
        return new Distribution("Batch sizes", "How many batches fetched each number of fault entries.", "batches", labels, batchSizes);
    }

    @Override
    public Map<String, Object> extraTree() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("batchSizes", batchSizes);
        out.put("bytesToGpu", bytesToGpu);
        out.put("bytesToHost", bytesToHost);
        return out;
    }
}
