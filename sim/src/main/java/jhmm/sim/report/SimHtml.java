package jhmm.sim.report;

import java.util.List;
import java.util.Locale;
import jhmm.sim.gpu.Charge;
import jhmm.sim.gpu.GpuSimResult;

/**
 * The {@code jhmm sim --report} page for a simulation or a comparison: the settings, charts of
 * VRAM residency and faults over time, link bandwidth over time and batch sizes (one line or
 * bar per run), bars of the simulated time and where it went per run, and the figures as text.
 */
public final class SimHtml {
    private SimHtml() {}

    /** The page for {@code runs}, headed by their labels ({@code ""} for a single run). */
    public static String of(List<String> labels, List<GpuSimResult> runs, String text) {
        StringBuilder data = new StringBuilder("[");
        for (int i = 0; i < runs.size(); i++) {
            data.append(i == 0 ? "" : ",").append(run(labels.get(i).isEmpty() ? runs.get(i).settings().source().name() : labels.get(i),
                    runs.get(i)));
        }
        data.append(']');
        StringBuilder charges = new StringBuilder("[");
        for (Charge c : Charge.values()) {
            charges.append(c.ordinal() == 0 ? "" : ",").append(HtmlPage.string(c.word()));
        }
        charges.append(']');
        String body = """
                <p class="note">Simulated time of jhmm's GPU model: what the workload costs under each setting, from the
                counts the memory model reports and the costs in the configuration (jhmm sim --settings).</p>
                <h2>Pages in VRAM over time</h2><div id="residency"></div>
                <h2>Faults over time (cumulative)</h2><div id="faults"></div>
                <h2>Link bandwidth to the GPU over time</h2><p class="note">Bytes the driver asked the link to move between two
                samples (each batch's end), over the time between them.</p><div id="link"></div>
                <h2>Batch sizes</h2><p class="note">How many batches fetched each number of fault entries.</p><div id="batches"></div>
                <h2>Simulated time per run, and where it went</h2><p class="note">Bars: each run's simulated time; then each
                charge (the warps' are summed over warps, so they can exceed it).</p><div id="bars"></div>
                <h2>Figures</h2><pre>""" + HtmlPage.escape(text) + "</pre>\n";
        String script = """
                const runs = %s;
                const charges = %s;
                function lines(id, xLabel, yLabel, pick) {
                  // one x axis for all runs: the union of their sample times, each run's y null where it has no sample
                  const xs = [...new Set(runs.flatMap(r => pick(r).x))].sort((a, b) => a - b);
                  const ys = runs.map(r => { const p = pick(r); const m = new Map(p.x.map((x, i) => [x, p.y[i]]));
                    return xs.map(x => m.has(x) ? m.get(x) : null); });
                  new uPlot({ width, height: 300, scales: { x: { time: false } },
                    series: [{ label: xLabel }].concat(runs.map((r, i) => ({ label: r.label, stroke: colors[i %% colors.length],
                      spanGaps: true, points: { show: false } }))),
                    axes: [{ label: xLabel }, { label: yLabel, size: 70 }] }, [xs].concat(ys), document.getElementById(id));
                }
                lines("residency", "simulated time (ms)", "MiB in VRAM", r => ({ x: r.t, y: r.vram.map(p => p / 256) }));
                lines("faults", "simulated time (ms)", "faults", r => ({ x: r.t, y: r.faults }));
                lines("link", "simulated time (ms)", "GB/s", r => ({ x: r.t.slice(1),
                  y: r.t.slice(1).map((t, i) => t > r.t[i] ? (r.toGpu[i + 1] - r.toGpu[i]) / ((t - r.t[i]) * 1e6) : 0) }));
                // batch sizes: only the sizes some run had, so that a histogram of 1..256 entries stays readable
                const sizes = [...new Set(runs.flatMap(r => r.batches.map((n, s) => n > 0 ? s : -1)))].filter(s => s >= 0)
                  .sort((a, b) => a - b);
                bars("batches", sizes.map(String), runs.map(r => ({ label: r.label, y: sizes.map(s => r.batches[s] || 0) })), "batches");
                bars("bars", ["simulated time"].concat(charges), runs.map(r => ({ label: r.label, y: [r.total].concat(r.charges) })),
                  "ms");
                """.formatted(data, charges);
        return HtmlPage.of("jhmm sim " + runs.get(0).settings().source().name(), body, script, true);
    }

    /** One run as a JavaScript object: times in ms. */
    private static String run(String label, GpuSimResult r) {
        long[][] t = r.timeline();
        StringBuilder s = new StringBuilder("{label:").append(HtmlPage.string(label));
        s.append(",total:").append(ms(r.totalPs()));
        s.append(",charges:[");
        for (Charge c : Charge.values()) {
            s.append(c.ordinal() == 0 ? "" : ",").append(ms(r.charge(c)));
        }
        s.append("],t:[");
        for (int i = 0; i < t[0].length; i++) {
            s.append(i == 0 ? "" : ",").append(ms(t[0][i]));
        }
        s.append("],vram:").append(HtmlPage.array(t[1])).append(",faults:").append(HtmlPage.array(t[2])).append(",toGpu:")
                .append(HtmlPage.array(t[3])).append(",batches:").append(HtmlPage.array(r.batchSizes())).append('}');
        return s.toString();
    }

    private static String ms(long ps) {
        return String.format(Locale.ROOT, "%.6f", ps / 1e9);
    }
}
