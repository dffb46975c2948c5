package jhmm.sim.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jhmm.sim.result.Samples;
import jhmm.sim.result.SimResult;
import jhmm.sim.result.TimeCharge;

/**
 * A simulation's result as a tree of maps, lists and numbers for a JSON writer: settings,
 * times in picoseconds, charges, counts, the device's own figures, the samples over time.
 */
public final class SimJson {
    private SimJson() {}

    public static Map<String, Object> of(SimResult r) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("workload", r.workload());
        out.put("settings", r.settingsTree());
        out.put("totalPs", r.totalPs());
        out.put(r.phaseWord() + "Ps", r.phasePs());
        Map<String, Long> charges = new LinkedHashMap<>();
        for (TimeCharge c : r.charges()) {
            charges.put(camel(c.word()), c.ps());
        }
        out.put("chargesPs", charges);
        Map<String, Long> counts = new LinkedHashMap<>();
        r.counts().forEach((k, v) -> counts.put(camel(k), v));
        out.put("counts", counts);
        out.putAll(r.extraTree());
        out.put("timeline", timeline(r.samples()));
        out.put("error", r.error());
        return out;
    }

    private static List<Map<String, Long>> timeline(Samples s) {
        List<Map<String, Long>> rows = new ArrayList<>();
        long[][] c = s.columns();
        for (int i = 0; i < c[0].length; i++) {
            Map<String, Long> row = new LinkedHashMap<>();
            row.put("ps", c[0][i]);
            for (int k = 0; k < s.keys().size(); k++) {
                row.put(s.keys().get(k), c[k + 1][i]);
            }
            rows.add(row);
        }
        return rows;
    }

    /** {@code to-vram} as {@code toVram}: JSON keys without dashes. */
    static String camel(String word) {
        StringBuilder out = new StringBuilder();
        boolean up = false;
        for (char ch : word.toCharArray()) {
            if (ch == '-') {
                up = true;
            } else {
                out.append(up ? Character.toUpperCase(ch) : ch);
                up = false;
            }
        }
        return out.toString();
    }
}
