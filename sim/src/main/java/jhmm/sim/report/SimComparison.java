package jhmm.sim.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import jhmm.sim.result.Figure;
import jhmm.sim.result.SimResult;
import jhmm.sim.result.TimeCharge;
import jhmm.sim.result.Units;

/** Several runs of one workload under different settings, side by side: one column a run. */
public final class SimComparison {
    private SimComparison() {}

    /** {@code labels.get(i)} heads run {@code i}'s column ({@code prefetch=off}, say). */
    public static String of(String key, List<String> labels, List<? extends SimResult> runs) {
        StringBuilder out = new StringBuilder();
        out.append("jhmm sim ").append(runs.get(0).workload()).append(", by ").append(key).append("\n");
        for (int i = 0; i < runs.size(); i++) {
            out.append("  ").append(labels.get(i)).append('\n');
            for (String line : runs.get(i).setup()) {
                out.append("    ").append(line).append('\n');
            }
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(header(labels));
        rows.add(row("simulated time", runs, r -> Units.time(r.totalPs())));
        rows.add(row("vs the first", runs, r -> String.format(Locale.ROOT, "%.2fx", r.totalPs() / (double) Math.max(1, runs.get(0).totalPs()))));
        for (TimeCharge c : runs.get(0).charges()) {
            rows.add(row(c.word(), runs, r -> Units.time(r.charge(c.word()))));
        }
        for (String count : runs.get(0).counts().keySet()) {
            rows.add(row(count, runs, r -> Long.toString(r.counts().get(count))));
        }
        // each run's figures once: a NIC run sorts its operations' times to make them
        java.util.Map<SimResult, List<Figure>> figures = new java.util.IdentityHashMap<>();
        runs.forEach(r -> figures.put(r, r.figures()));
        List<Figure> names = figures.get(runs.get(0));
        for (int f = 0; f < names.size(); f++) {
            int at = f;
            rows.add(row(names.get(f).name(), runs, r -> figures.get(r).get(at).cell()));
        }
        rows.add(row("stopped early", runs, r -> r.error() == null ? "no" : r.error()));
        out.append('\n').append(table(rows));
        return out.toString();
    }

    private static String[] header(List<String> labels) {
        String[] h = new String[labels.size() + 1];
        h[0] = "";
        for (int i = 0; i < labels.size(); i++) {
            h[i + 1] = labels.get(i);
        }
        return h;
    }

    private static String[] row(String name, List<? extends SimResult> runs, Function<SimResult, String> cell) {
        String[] r = new String[runs.size() + 1];
        r[0] = name;
        for (int i = 0; i < runs.size(); i++) {
            r[i + 1] = cell.apply(runs.get(i));
        }
        return r;
    }

    private static String table(List<String[]> rows) {
        int cols = rows.get(0).length;
        int[] width = new int[cols];
        for (String[] r : rows) {
            for (int c = 0; c < cols; c++) {
                width[c] = Math.max(width[c], r[c].length());
            }
        }
        StringBuilder out = new StringBuilder();
        for (String[] r : rows) {
            out.append(String.format("%-" + width[0] + "s", r[0]));
            for (int c = 1; c < cols; c++) {
                out.append("  ").append(String.format("%" + width[c] + "s", r[c]));
            }
            out.append('\n');
        }
        return out.toString();
    }
}
