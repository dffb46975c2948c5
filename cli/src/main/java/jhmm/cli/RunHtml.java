package jhmm.cli;

import java.util.List;
import jhmm.scenario.Failure;
import jhmm.scenario.FileReport;
import jhmm.sim.report.HtmlPage;

/**
 * The {@code jhmm run --report} page: a summary, then each file step by step, every command with
 * its result and the page states after it (folded), the steps an expectation failed on
 * unfolded and marked, with what was expected and what came.
 */
final class RunHtml {
    private RunHtml() {}

    static String of(List<FileReport> reports, StepLog log) {
        long passed = reports.stream().filter(FileReport::passed).count();
        StringBuilder body = new StringBuilder("<p>").append(passed).append(" of ").append(reports.size())
                .append(reports.size() == 1 ? " file" : " files").append(" passed.</p>\n<table>");
        for (FileReport r : reports) {
            body.append("<tr").append(r.passed() ? "" : " class=\"fail\"").append("><td><a href=\"#").append(anchor(r.file()))
                    .append("\">").append(HtmlPage.escape(r.file())).append("</a></td><td>").append(verdict(r)).append("</td></tr>\n");
        }
        body.append("</table>\n");
        for (FileReport r : reports) {
            body.append("<h2 id=\"").append(anchor(r.file())).append("\">").append(HtmlPage.escape(r.file())).append(": ")
                    .append(verdict(r)).append("</h2>\n");
            List<StepLog.Entry> steps = log.steps(r.file());
            // failures that belong to no step that ran (the machine line, a file that did not parse, the end)
            for (Failure f : r.failures()) {
                if (steps.stream().noneMatch(s -> owns(steps, s, f))) {
                    body.append("<p class=\"fail\">").append(HtmlPage.escape(f.format(r.file()))).append("</p>\n");
                }
            }
            for (StepLog.Entry s : steps) {
                List<Failure> mine = r.failures().stream().filter(f -> owns(steps, s, f)).toList();
                body.append("<details").append(mine.isEmpty() ? "" : " class=\"fail\" open").append("><summary>")
                        .append(s.line()).append(": ").append(HtmlPage.escape(s.source())).append(" &rarr; ")
                        .append(HtmlPage.escape(s.result())).append("</summary>");
                for (Failure f : mine) {
                    body.append("<p>").append(HtmlPage.escape(f.format(r.file()))).append("</p>");
                }
                body.append("<pre>").append(HtmlPage.escape(s.state().isEmpty() ? "(no process)" : s.state())).append("</pre></details>\n");
            }
        }
        return HtmlPage.of("jhmm run", body.toString(), "", false);
    }

    /** Whether failure {@code f} is about step {@code s}: its line or an expectation's line before the next step. */
    private static boolean owns(List<StepLog.Entry> steps, StepLog.Entry s, Failure f) {
        int i = steps.indexOf(s);
        int next = i + 1 < steps.size() ? steps.get(i + 1).line() : Integer.MAX_VALUE;
        return f.line() >= s.line() && f.line() < next;
    }

    private static String verdict(FileReport r) {
        return r.passed() ? "passed" : r.badInput() ? "bad input" : r.internalError() ? "internal error"
                : r.failures().size() + (r.failures().size() == 1 ? " failure" : " failures");
    }

    private static String anchor(String file) {
        return "f-" + Integer.toHexString(file.hashCode());
    }
}
