package jhmm.sim.report;

import java.util.Locale;
import java.util.Map;
import jhmm.sim.result.Figure;
import jhmm.sim.result.SimResult;
import jhmm.sim.result.TimeCharge;
import jhmm.sim.result.Units;

/** A simulation's result as text: the setup, simulated time and where it went, the counts, the derived figures. */
public final class SimText {
    private SimText() {}

    public static String of(SimResult r) {
        StringBuilder out = new StringBuilder();
        out.append("jhmm sim ").append(r.workload()).append(": ").append(r.description()).append('\n');
        for (String line : r.setup()) {
            out.append("  ").append(line).append('\n');
        }
        out.append('\n');
        if (r.error() != null) {
            out.append("Stopped early: ").append(r.error()).append("\n\n");
        }
        long[] phases = r.phasePs();
        long inPhases = 0;
        for (long p : phases) {
            inPhases += p;
        }
        String word = r.phaseWord();
        out.append(String.format(Locale.ROOT, "Simulated time  %s (%ss %s, %s %s)%n", Units.time(r.totalPs()), word,
                Units.time(inPhases), r.outsidePhases(), Units.time(r.totalPs() - inPhases)));
        for (int i = 0; i < phases.length; i++) {
            out.append(String.format(Locale.ROOT, "  %-13s %s%n", word + " " + (i + 1), Units.time(phases[i])));
        }
        out.append("\nWhere the time went (").append(r.chargesHeading()).append(")\n");
        for (TimeCharge c : r.charges()) {
            out.append(String.format(Locale.ROOT, "  %-15s %10s  %s%n", c.word(), Units.time(c.ps()), c.description()));
        }
        out.append("\nCounts\n");
        for (Map.Entry<String, Long> e : r.counts().entrySet()) {
            out.append(String.format(Locale.ROOT, "  %-15s %10d  %s%n", e.getKey(), e.getValue(), r.countLabel(e.getKey())));
        }
        figures(out, r.countFigures());
        out.append('\n').append(r.figuresHeading()).append('\n');
        figures(out, r.figures());
        return out.toString();
    }

    private static void figures(StringBuilder out, Iterable<Figure> figures) {
        for (Figure f : figures) {
            out.append(String.format(Locale.ROOT, "  %-15s %s%n", f.name(), f.text()));
        }
    }
}
