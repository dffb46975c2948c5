package jhmm.cli;

import java.util.List;
import jhmm.compare.CompareRow;
import jhmm.compare.PathResult;
import jhmm.sim.report.HtmlPage;

/**
 * The {@code jhmm compare --report} page: the text report, then one bar chart per row with a
 * bar per path (on a log scale: the paths' figures span decades), so that what each path costs
 * and blocks reads at a glance. A figure a path could not measure has no bar and says n/a.
 */
final class CompareHtml {
    private CompareHtml() {}

    static String of(String text, List<PathResult> results) {
        StringBuilder body = new StringBuilder("<p class=\"note\">Each chart is one row of the table, a bar per path (log scale;"
                + " hover a bar for its figure).</p>\n");
        StringBuilder script = new StringBuilder("const paths = [");
        for (int i = 0; i < results.size(); i++) {
            script.append(i == 0 ? "" : ",").append(HtmlPage.string(results.get(i).path()));
        }
        script.append("];\n");
        for (CompareRow row : CompareRow.values()) {
            body.append("<h2>").append(HtmlPage.escape(row.label())).append(" (").append(HtmlPage.escape(row.unit())).append(")</h2>")
                    .append("<p class=\"note\">").append(HtmlPage.escape(row.counts())).append("</p><div id=\"").append(row.key())
                    .append("\"></div>\n");
            script.append("bars(").append(HtmlPage.string(row.key())).append(", paths, [{ label: ").append(HtmlPage.string(row.label()))
                    .append(", y: [");
            for (int i = 0; i < results.size(); i++) {
                Long v = results.get(i).figures().get(row);
                script.append(i == 0 ? "" : ",").append(v == null ? "null" : v.toString());
            }
            script.append("] }], ").append(HtmlPage.string(row.unit())).append(", true);\n");
        }
        body.append("<h2>The report</h2><pre>").append(HtmlPage.escape(text)).append("</pre>\n");
        return HtmlPage.of("jhmm compare", body.toString(), script.toString(), false);
    }
}
