package jhmm.sim.rnic;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jhmm.base.PageSize;
import jhmm.sim.result.ChargeKind;
import jhmm.sim.result.Distribution;
import jhmm.sim.result.Figure;
import jhmm.sim.result.Samples;
import jhmm.sim.result.SimResult;
import jhmm.sim.result.TimeCharge;
import jhmm.sim.result.Units;

/**
 * What one NIC simulation measured. Times are picoseconds of simulated time.
 *
 * @param settings what it ran with
 * @param totalPs from the registration's start until the deregistration ended
 * @param roundPs each round's duration, its first post to its last completion
 * @param chargePs time per {@link NicCharge}, by ordinal
 * @param counts what was counted, by name, in a fixed order: the model's NIC counters and the host's
 * @param opPs every operation's time, post to completion, in the order they were posted
 * @param registrationPs the registration's time (and the prefetch's, when asked for)
 * @param timeline samples at the registration's and each round's end: simulated time, translation entries valid,
 *     NIC faults so far, bytes into the buffer so far, bytes out of it so far
 * @param bytesIn bytes the peer moved into the buffer
 * @param bytesOut bytes it read out
 * @param events engine wakeups
 * @param error null, or why the run stopped early
 */
public record NicSimResult(NicSimSettings settings, long totalPs, long[] roundPs, long[] chargePs, Map<String, Long> counts,
        long[] opPs, long registrationPs, long[][] timeline, long bytesIn, long bytesOut, long events, String error)
        implements SimResult {

    private static final List<String> SAMPLED = List.of("mappedPages", "faults", "bytesIn", "bytesOut");
    private static final List<Samples.Chart> CHARTS = List.of(
            new Samples.Chart("mapped", "Pages the NIC translates over time", "At the registration's end and each round's.",
                    "mappedPages", "MiB translated", 256, false),
            new Samples.Chart("faults", "NIC page faults over time (cumulative)", "", "faults", "faults", 1, false));
    private static final Map<String, String> LABELS = Map.ofEntries(
            Map.entry("ops", "operations the peer completed"),
            Map.entry("pages", "pages the operations' data went through"),
            Map.entry("faults", "NIC page faults the driver serviced"),
            Map.entry("rnr-naks", "RNR NAKs: the requester's retries while a fault was being serviced"),
            Map.entry("restarts", "hmm_range_fault restarts (a sequence change or -EBUSY)"),
            Map.entry("mapped", "translation entries made valid (faults and prefetch)"),
            Map.entry("prefetched", "of those, by the prefetch"),
            Map.entry("dma-maps", "DMA mappings made: scatter-list segments (pinned), pages (ODP)"),
            Map.entry("dma-unmaps", "DMA mappings undone (invalidations and deregistration)"),
            Map.entry("umrs", "UMR work requests writing or zapping the NIC's translation"),
            Map.entry("invalidations", "mmu-notifier invalidations that found something mapped"),
            Map.entry("zapped", "translation entries invalidations cleared"),
            Map.entry("children", "implicit ODP children made (one per 1 GiB touched)"),
            Map.entry("stale", "pages the pinned region reached that the process no longer maps there"),
            Map.entry("pinned-pages", "pages pinned (FOLL_LONGTERM) at registration"),
            Map.entry("cpu-faults", "CPU page faults after the registration and prefetch (for the NIC's faults and the process's)"),
            Map.entry("resident-pages", "pages the process had resident at the end (before the deregistration)"),
            Map.entry("migrate-blocked", "pages a migration could not move (pinned)"),
            Map.entry("migrated", "pages migrations moved"),
            Map.entry("swapped-out", "pages reclaim wrote to swap"),
            Map.entry("swapped-in", "pages major faults read back from swap"),
            Map.entry("reclaim-blocked", "pages reclaim was asked for and could not take (pinned)"),
            Map.entry("copied", "pages copied after the registration: COW breaks (the process's and the NIC's faults), fork's copies of pinned pages"));

    public long charge(NicCharge c) {
        return chargePs[c.ordinal()];
    }

    @Override
    public String phaseWord() {
        return "round";
    }

    @Override
    public long[] phasePs() {
        return roundPs;
    }

    @Override
    public String outsidePhases() {
        return "registration, the process between rounds, deregistration";
    }

    @Override
    public String chargesHeading() {
        return "the operations' rows are summed over operations, which overlap on several queue pairs";
    }

    @Override
    public List<TimeCharge> charges() {
        return ChargeKind.times(NicCharge.values(), chargePs);
    }

    @Override
    public String countLabel(String word) {
        return LABELS.getOrDefault(word, "");
    }

    @Override
    public List<Figure> countFigures() {
        return List.of();
    }

    @Override
    public String figuresHeading() {
        return "Per operation and overall";
    }

    @Override
    public List<Figure> figures() {
        long[] sorted = opPs.clone();
        Arrays.sort(sorted);
        long sum = 0;
        for (long t : sorted) {
            sum += t;
        }
        long rounds = 0;
        for (long r : roundPs) {
            rounds += r;
        }
        String mean = sorted.length == 0 ? "-" : Units.time(sum / sorted.length);
        return List.of(
                new Figure("per operation", sorted.length == 0 ? "no operations" : "mean " + mean + ", median "
                        + Units.time(percentile(sorted, 50)) + ", 99th percentile " + Units.time(percentile(sorted, 99)) + ", max "
                        + Units.time(sorted[sorted.length - 1]), mean),
                new Figure("throughput", Units.rate(bytesIn + bytesOut, rounds) + " over the rounds (" + Units.bytes(bytesIn + bytesOut)
                        + ")", Units.rate(bytesIn + bytesOut, rounds)),
                new Figure("pinned", Units.bytes(counts.get("pinned-pages") << PageSize.PAGE_SHIFT),
                        Units.bytes(counts.get("pinned-pages") << PageSize.PAGE_SHIFT)));
    }

    private static long percentile(long[] sorted, int p) {
        return sorted[(int) Math.min(sorted.length - 1, (long) Math.ceil(sorted.length * p / 100.0) - 1)];
    }

    @Override
    public Samples samples() {
        return new Samples(SAMPLED, timeline, CHARTS);
    }

    /** Operations by their time, in powers of two of nanoseconds. */
    @Override
    public Distribution distribution() {
        long[] counts = new long[64];
        int max = 0;
        for (long t : opPs) {
            int bucket = 63 - Long.numberOfLeadingZeros(Math.max(1, t / 1000));
            counts[bucket]++;
            max = Math.max(max, bucket);
        }
        String[] labels = new String[max + 1];
        for (int i = 0; i <= max; i++) {
            labels[i] = Units.time((1L << i) * 1000) + "+";
        }
        return new Distribution("Time per operation", "How many operations took each time, from post to completion, in powers of two.",
                "operations", labels, Arrays.copyOf(counts, max + 1));
    }

    @Override
    public Map<String, Object> extraTree() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("registrationPs", registrationPs);
        out.put("bytesIn", bytesIn);
        out.put("bytesOut", bytesOut);
        return out;
    }
}
