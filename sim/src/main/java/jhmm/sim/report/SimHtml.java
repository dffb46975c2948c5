package jhmm.sim.report;

import java.util.List;
import java.util.Locale;
import jhmm.sim.result.Distribution;
import jhmm.sim.result.Samples;
import jhmm.sim.result.SimResult;
import jhmm.sim.result.TimeCharge;

/**
 * The {@code jhmm sim --report} page for a simulation or a comparison: the settings, the
 * result's charts over simulated time (one line per run), its distribution as bars, bars of the
 * simulated time and where it went per run, and the figures as text.
 */
public final class SimHtml {
    private SimHtml() {}

    /** The page for {@code runs}, headed by their labels ({@code ""} for a single run). */
    public static String of(List<String> labels, List<? extends SimResult> runs, String text) {
        SimResult first = runs.get(0);
        StringBuilder data = new StringBuilder("[");
        for (int i = 0; i < runs.size(); i++) {
            data.append(i == 0 ? "" : ",").append(run(labels.get(i).isEmpty() ? runs.get(i).workload() : labels.get(i), runs.get(i)));
        }
        data.append(']');
        StringBuilder charges = new StringBuilder("[");
        StringBuilder charts = new StringBuilder("[");
        StringBuilder body = new StringBuilder("""
                <p class="note">Simulated time of jhmm's device models: what the workload costs under each setting, from the
                counts the memory model reports and the costs in the configuration (jhmm sim --settings).</p>
                """);
        for (TimeCharge c : first.charges()) {
            charges.append(charges.length() == 1 ? "" : ",").append(HtmlPage.string(c.word()));
        }
        charges.append(']');
        for (Samples.Chart c : first.samples().charts()) {
            body.append(section(c.id(), c.title(), c.note()));
            charts.append(charts.length() == 1 ? "" : ",").append(String.format(Locale.ROOT,
                    "{id:%s,column:%s,yLabel:%s,scale:%s,rate:%s}", HtmlPage.string(c.id()), HtmlPage.string(c.column()),
                    HtmlPage.string(c.yLabel()), c.scale(), c.rate()));
        }
        charts.append(']');
        Distribution d = first.distribution();
        if (d != null) {
            body.append(section("distribution", d.title(), d.note()));
        }
        body.append(section("bars", "Simulated time per run, and where it went",
                "Bars: each run's simulated time; then each charge (" + first.chargesHeading() + ")."));
        body.append("<h2>Figures</h2><pre>").append(HtmlPage.escape(text)).append("</pre>\n");
        String script = """
                const runs = %s;
                const charges = %s;
                const charts = %s;
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
                // a running total drawn as it is, or as its change per ms between two samples
                charts.forEach(c => lines(c.id, "simulated time (ms)", c.yLabel, r => {
                  const v = r.cols[c.column];
                  return c.rate ? { x: r.t.slice(1), y: r.t.slice(1).map((t, i) => t > r.t[i] ? (v[i + 1] - v[i]) / ((t - r.t[i]) * c.scale) : 0) }
                    : { x: r.t, y: v.map(p => p / c.scale) };
                }));
                // the distribution: only the values some run had, so that a wide range stays readable
                if (document.getElementById("distribution")) {
                  const at = [...new Set(runs.flatMap(r => r.dist.map((n, s) => n > 0 ? s : -1)))].filter(s => s >= 0)
                    .sort((a, b) => a - b);
                  bars("distribution", at.map(s => runs[0].distLabels[s] || String(s)),
                    runs.map(r => ({ label: r.label, y: at.map(s => r.dist[s] || 0) })), %s);
                }
                bars("bars", ["simulated time"].concat(charges), runs.map(r => ({ label: r.label, y: [r.total].concat(r.charges) })),
                  "ms");
                """.formatted(data, charges, charts, HtmlPage.string(d == null ? "" : d.yLabel()));
        return HtmlPage.of("jhmm sim " + first.workload(), body.toString(), script, true);
    }

    private static String section(String id, String title, String note) {
        return "<h2>" + HtmlPage.escape(title) + "</h2>" + (note.isEmpty() ? "" : "<p class=\"note\">" + HtmlPage.escape(note) + "</p>")
                + "<div id=\"" + id + "\"></div>\n";
    }

    /** One run as a JavaScript object: times in ms, each sampled column by its key. */
    private static String run(String label, SimResult r) {
        Samples samples = r.samples();
        StringBuilder s = new StringBuilder("{label:").append(HtmlPage.string(label));
        s.append(",total:").append(ms(r.totalPs()));
        s.append(",charges:[");
        List<TimeCharge> charges = r.charges();
        for (int i = 0; i < charges.size(); i++) {
            s.append(i == 0 ? "" : ",").append(ms(charges.get(i).ps()));
        }
        s.append("],t:[");
        long[] t = samples.times();
        for (int i = 0; i < t.length; i++) {
            s.append(i == 0 ? "" : ",").append(ms(t[i]));
        }
        s.append("],cols:{");
        for (int k = 0; k < samples.keys().size(); k++) {
            s.append(k == 0 ? "" : ",").append(samples.keys().get(k)).append(':').append(HtmlPage.array(samples.columns()[k + 1]));
        }
        s.append('}');
        Distribution d = r.distribution();
        if (d != null) {
            s.append(",dist:").append(HtmlPage.array(d.counts())).append(",distLabels:[");
            for (int i = 0; i < d.labels().length; i++) {
                s.append(i == 0 ? "" : ",").append(HtmlPage.string(d.labels()[i]));
            }
            s.append(']');
        }
        return s.append('}').toString();
    }

    private static String ms(long ps) {
        return String.format(Locale.ROOT, "%.6f", ps / 1e9);
    }
}
