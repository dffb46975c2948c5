package jhmm.sim.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jhmm.sim.gpu.Charge;
import jhmm.sim.gpu.GpuSimResult;
import jhmm.sim.gpu.GpuSimSettings;

/**
 * A simulation's result as a tree of maps, lists and numbers for a JSON writer: settings,
 * times in picoseconds, charges, counts, batch sizes, the timeline, bytes moved.
 */
public final class SimJson {
    private SimJson() {}

    public static Map<String, Object> of(GpuSimResult r) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("workload", r.settings().source().name());
        out.put("settings", settings(r.settings()));
        out.put("totalPs", r.totalPs());
        out.put("kernelPs", r.kernelPs());
        Map<String, Long> charges = new LinkedHashMap<>();
        for (Charge c : Charge.values()) {
            charges.put(camel(c.word()), r.charge(c));
        }
        out.put("chargesPs", charges);
        Map<String, Long> counts = new LinkedHashMap<>();
        r.counts().forEach((k, v) -> counts.put(camel(k), v));
        out.put("counts", counts);
        out.put("batchSizes", r.batchSizes());
        out.put("bytesToGpu", r.bytesToGpu());
        out.put("bytesToHost", r.bytesToHost());
        List<Map<String, Long>> timeline = new ArrayList<>();
        long[][] t = r.timeline();
        for (int i = 0; i < t[0].length; i++) {
            Map<String, Long> row = new LinkedHashMap<>();
            row.put("ps", t[0][i]);
            row.put("vramPages", t[1][i]);
            row.put("faults", t[2][i]);
            row.put("bytesToGpu", t[3][i]);
            row.put("bytesToHost", t[4][i]);
            timeline.add(row);
        }
        out.put("timeline", timeline);
        out.put("error", r.error());
        return out;
    }

    private static Map<String, Object> settings(GpuSimSettings s) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("footprintBytes", s.spec().footprint());
        out.put("iterations", s.spec().iterations());
        out.put("warps", s.spec().warps());
        out.put("seed", s.spec().seed());
        out.put("mode", s.pinUpFront() ? "pin" : "mirror");
        out.put("vramBytes", s.gpu().vramBytes());
        out.put("policy", SimText.word(s.policy()));
        out.put("chunks", s.gpu().chunks());
        out.put("prefetch", s.gpu().prefetch());
        out.put("batch", s.gpu().batch());
        out.put("replay", SimText.word(s.gpu().replay()));
        out.put("thrashing", s.gpu().thrashing());
        out.put("migrateOnFault", s.gpu().migrateOnFault());
        out.put("thp", SimText.word(s.thp()));
        out.put("linkGeneration", s.cost().linkGeneration());
        return out;
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
