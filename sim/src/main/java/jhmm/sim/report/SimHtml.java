package jhmm.sim.report;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import jhmm.sim.gpu.Charge;
import jhmm.sim.gpu.GpuSimResult;

/**
 * One self-contained HTML page for a simulation or a comparison: the settings, charts of VRAM
 * residency and faults over time, link bandwidth over time and batch sizes (one line per run),
 * bars of the simulated time and where it went per run, and the figures as text. The charting
 * script (uPlot, MIT) and its style are inlined, so the page works offline.
 */
public final class SimHtml {
    private static final String UPLOT = "META-INF/resources/webjars/uplot/1.6.30/dist/";

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
            charges.append(c.ordinal() == 0 ? "" : ",").append(string(c.word()));
        }
        charges.append(']');
        String title = "jhmm sim " + runs.get(0).settings().source().name();
        return """
                <!doctype html>
                <html lang="en"><head><meta charset="utf-8"><title>%s</title>
                <style>%s
                body { font: 14px system-ui, sans-serif; margin: 2em; color: #222; max-width: 1000px; }
                pre { background: #f6f6f6; padding: 1em; overflow-x: auto; font-size: 12px; }
                h2 { margin-top: 2em; } .note { color: #666; }
                </style>
                <script>%s</script></head><body>
                <h1>%s</h1>
                <p class="note">Simulated time of jhmm's GPU model: what the workload costs under each setting, from the
                counts the memory model reports and the costs in the configuration (jhmm sim --settings).</p>
                <h2>Pages in VRAM over time</h2><div id="residency"></div>
                <h2>Faults over time (cumulative)</h2><div id="faults"></div>
                <h2>Link bandwidth to the GPU over time</h2><p class="note">Bytes the driver asked the link to move between two
                samples (each batch's end), over the time between them.</p><div id="link"></div>
                <h2>Batch sizes</h2><p class="note">How many batches fetched each number of fault entries.</p><div id="batches"></div>
                <h2>Simulated time per run, and where it went</h2><p class="note">Bars: each run's simulated time; then each
                charge (the warps' are summed over warps, so they can exceed it).</p><div id="bars"></div>
                <h2>Figures</h2><pre>%s</pre>
                <script>
                const runs = %s;
                const charges = %s;
                const colors = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"];
                const width = Math.min(960, window.innerWidth - 60);
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
                // grouped bars as SVG: one group per category, one bar per run, each with its value on hover
                function bars(id, cats, series, yLabel) {
                  const h = 260, left = 70, bottom = 60, max = Math.max(1e-12, ...series.flatMap(s => s.y));
                  const gw = (width - left) / cats.length, bw = gw * 0.8 / series.length;
                  let svg = `<svg width="${width}" height="${h + bottom}" font-size="11">`;
                  for (let k = 0; k <= 4; k++) {
                    const y = h - h * k / 4;
                    svg += `<line x1="${left}" x2="${width}" y1="${y}" y2="${y}" stroke="#ddd"/>` +
                      `<text x="${left - 4}" y="${y + 4}" text-anchor="end">${+(max * k / 4).toPrecision(3)}</text>`;
                  }
                  svg += `<text x="12" y="${h / 2}" transform="rotate(-90 12 ${h / 2})" text-anchor="middle">${yLabel}</text>`;
                  cats.forEach((c, ci) => {
                    series.forEach((s, si) => {
                      const v = s.y[ci] || 0, bh = h * v / max, x = left + ci * gw + gw * 0.1 + si * bw;
                      svg += `<rect x="${x}" y="${h - bh}" width="${Math.max(1, bw - 1)}" height="${bh}"
                        fill="${colors[si %% colors.length]}"><title>${s.label}: ${c} ${+v.toPrecision(4)}</title></rect>`;
                    });
                    svg += `<text x="${left + ci * gw + gw / 2}" y="${h + 14}" text-anchor="end"
                      transform="rotate(-35 ${left + ci * gw + gw / 2} ${h + 14})">${c}</text>`;
                  });
                  series.forEach((s, si) => svg += `<rect x="${left + si * 140}" y="${h + bottom - 12}" width="10" height="10"
                    fill="${colors[si %% colors.length]}"/><text x="${left + si * 140 + 14}" y="${h + bottom - 3}">${s.label}</text>`);
                  document.getElementById(id).innerHTML = svg + "</svg>";
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
                </script></body></html>
                """.formatted(escape(title), resource("uPlot.min.css"), resource("uPlot.iife.min.js").replace("</script", "<\\/script"),
                escape(title), escape(text), data, charges);
    }

    /** One run as a JavaScript object: times in ms. */
    private static String run(String label, GpuSimResult r) {
        long[][] t = r.timeline();
        StringBuilder s = new StringBuilder("{label:").append(string(label));
        s.append(",total:").append(ms(r.totalPs()));
        s.append(",charges:[");
        for (Charge c : Charge.values()) {
            s.append(c.ordinal() == 0 ? "" : ",").append(ms(r.charge(c)));
        }
        s.append("],t:").append(array(t[0], true)).append(",vram:").append(array(t[1], false)).append(",faults:")
                .append(array(t[2], false)).append(",toGpu:").append(array(t[3], false)).append(",batches:")
                .append(array(r.batchSizes(), false)).append('}');
        return s.toString();
    }

    private static String array(long[] v, boolean psToMs) {
        StringBuilder s = new StringBuilder("[");
        for (int i = 0; i < v.length; i++) {
            s.append(i == 0 ? "" : ",").append(psToMs ? ms(v[i]) : Long.toString(v[i]));
        }
        return s.append(']').toString();
    }

    private static String ms(long ps) {
        return String.format(Locale.ROOT, "%.6f", ps / 1e9);
    }

    /** A JavaScript string literal, safe inside a script element. */
    private static String string(String v) {
        StringBuilder s = new StringBuilder("\"");
        for (char c : v.toCharArray()) {
            if (c == '"' || c == '\\') {
                s.append('\\').append(c);
            } else if (c < 0x20 || c == '<' || c == '>' || c == '&') {
                s.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
            } else {
                s.append(c);
            }
        }
        return s.append('"').toString();
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    private static String resource(String name) {
        try (InputStream in = SimHtml.class.getClassLoader().getResourceAsStream(UPLOT + name)) {
            if (in == null) {
                throw new IllegalStateException("the charting script " + name + " is missing from the class path");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
