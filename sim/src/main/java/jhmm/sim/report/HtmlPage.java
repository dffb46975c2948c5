package jhmm.sim.report;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * What every jhmm HTML report shares: one self-contained page (its style and scripts inline, so
 * it works offline and can be mailed or attached to a CI run), text escaped for HTML and for
 * JavaScript, uPlot (MIT, from its WebJar) for lines over time, and a small SVG function for
 * grouped bars, {@code bars(id, categories, series, yLabel, log)} with series {@code {label, y}} (a null
 * y is a figure not measured).
 */
public final class HtmlPage {
    private static final String UPLOT = "META-INF/resources/webjars/uplot/1.6.30/dist/";
    private static final String STYLE = """
            body { font: 14px system-ui, sans-serif; margin: 2em; color: #222; max-width: 1000px; }
            pre { background: #f6f6f6; padding: 1em; overflow-x: auto; font-size: 12px; }
            h2 { margin-top: 2em; } .note { color: #666; }
            .fail { background: #fde8e8; } .fail summary { color: #b00; font-weight: bold; }
            table { border-collapse: collapse; } td, th { padding: 2px 8px; text-align: left; vertical-align: top; }
            """;
    /** The grouped-bars function and the colours, for the page's own script. */
    public static final String BARS_SCRIPT = """
            const colors = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"];
            const width = Math.min(960, (typeof window === "undefined" ? 1000 : window.innerWidth) - 60);
            const esc = t => String(t).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
            // grouped bars as SVG: one group per category, one bar per series, each with its value on hover (and
            // written above it when there is one series); log: heights on a log scale, for figures that span decades
            function bars(id, cats, series, yLabel, log) {
              const h = 260, left = 70, bottom = 60, max = Math.max(1e-12, ...series.flatMap(s => s.y.map(v => v || 0)));
              const scale = v => log ? Math.log10(1 + v) / Math.log10(1 + max) : v / max;
              const tick = f => log ? Math.pow(10, f * Math.log10(1 + max)) - 1 : max * f;
              const gw = (width - left) / cats.length, bw = gw * 0.8 / series.length;
              let svg = `<svg width="${width}" height="${h + bottom}" font-size="11">`;
              for (let k = 0; k <= 4; k++) {
                const y = h - h * k / 4;
                svg += `<line x1="${left}" x2="${width}" y1="${y}" y2="${y}" stroke="#ddd"/>` +
                  `<text x="${left - 4}" y="${y + 4}" text-anchor="end">${+tick(k / 4).toPrecision(3)}</text>`;
              }
              svg += `<text x="12" y="${h / 2}" transform="rotate(-90 12 ${h / 2})" text-anchor="middle">${esc(yLabel)}</text>`;
              cats.forEach((c, ci) => {
                series.forEach((s, si) => {
                  const v = s.y[ci] || 0, bh = h * scale(v), x = left + ci * gw + gw * 0.1 + si * bw;
                  svg += `<rect x="${x}" y="${h - bh}" width="${Math.max(1, bw - 1)}" height="${bh}"
                    fill="${colors[si % colors.length]}"><title>${esc(s.label)}: ${esc(c)} ${+v.toPrecision(4)}</title></rect>`;
                  if (series.length === 1) {
                    svg += `<text x="${x + bw / 2}" y="${h - bh - 3}" text-anchor="middle">${s.y[ci] === null ? "n/a" : v}</text>`;
                  }
                });
                svg += `<text x="${left + ci * gw + gw / 2}" y="${h + 14}" text-anchor="end"
                  transform="rotate(-35 ${left + ci * gw + gw / 2} ${h + 14})">${esc(c)}</text>`;
              });
              if (series.length > 1) {
                series.forEach((s, si) => svg += `<rect x="${left + si * 140}" y="${h + bottom - 12}" width="10" height="10"
                  fill="${colors[si % colors.length]}"/><text x="${left + si * 140 + 14}" y="${h + bottom - 3}">${esc(s.label)}</text>`);
              }
              document.getElementById(id).innerHTML = svg + "</svg>";
            }
            """;

    private HtmlPage() {}

    /**
     * A whole page: {@code title}, then {@code body} (HTML), then {@code script} (JavaScript run
     * after the body is there); with uPlot in the head when {@code charts}.
     */
    public static String of(String title, String body, String script, boolean charts) {
        return "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + escape(title) + "</title>\n<style>"
                + (charts ? resource("uPlot.min.css") : "") + STYLE + "</style>\n"
                + (charts ? "<script>" + resource("uPlot.iife.min.js").replace("</script", "<\\/script") + "</script>\n" : "")
                + "</head><body>\n<h1>" + escape(title) + "</h1>\n" + body
                + (script.isEmpty() ? "" : "\n<script>\n" + BARS_SCRIPT + script.replace("</script", "<\\/script") + "\n</script>")
                + "\n</body></html>\n";
    }

    /** Text as HTML shows it. */
    public static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    /** A JavaScript string literal, safe inside a script element. */
    public static String string(String v) {
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

    /** A JavaScript array of numbers. */
    public static String array(long[] v) {
        StringBuilder s = new StringBuilder("[");
        for (int i = 0; i < v.length; i++) {
            s.append(i == 0 ? "" : ",").append(v[i]);
        }
        return s.append(']').toString();
    }

    private static String resource(String name) {
        try (InputStream in = HtmlPage.class.getClassLoader().getResourceAsStream(UPLOT + name)) {
            if (in == null) {
                throw new IllegalStateException("the charting script " + name + " is missing from the class path");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
