package jhmm.cli;

import java.util.List;
import java.util.Locale;
import jhmm.scenario.Failure;
import jhmm.scenario.FileReport;

/**
 * {@code jhmm run --junit}: the run as the JUnit XML CI systems read, one test suite of one
 * test case a scenario file; failed expectations are failures, bad input and internal errors
 * are errors, each with its messages.
 */
final class JUnitXml {
    private JUnitXml() {}

    /** {@code seconds[i]} is how long file {@code i} took. */
    static String of(List<FileReport> reports, double[] seconds) {
        long failures = reports.stream().filter(r -> !r.passed() && !r.badInput() && !r.internalError()).count();
        long errors = reports.stream().filter(r -> r.badInput() || r.internalError()).count();
        double total = 0;
        for (double s : seconds) {
            total += s;
        }
        StringBuilder out = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        out.append(String.format(Locale.ROOT, "<testsuites name=\"jhmm run\" tests=\"%d\" failures=\"%d\" errors=\"%d\" time=\"%.3f\">%n",
                reports.size(), failures, errors, total));
        out.append(String.format(Locale.ROOT, "  <testsuite name=\"jhmm run\" tests=\"%d\" failures=\"%d\" errors=\"%d\" skipped=\"0\""
                + " time=\"%.3f\">%n", reports.size(), failures, errors, total));
        for (int i = 0; i < reports.size(); i++) {
            FileReport r = reports.get(i);
            out.append(String.format(Locale.ROOT, "    <testcase classname=\"%s\" name=\"%s\" time=\"%.3f\"", attr(folder(r.file())),
                    attr(name(r.file())), seconds[i]));
            if (r.passed()) {
                out.append("/>\n");
                continue;
            }
            String tag = r.badInput() || r.internalError() ? "error" : "failure";
            StringBuilder text = new StringBuilder();
            for (Failure f : r.failures()) {
                text.append(f.format(r.file())).append('\n');
            }
            String first = r.failures().isEmpty() ? tag : r.failures().get(0).format(r.file());
            out.append(">\n      <").append(tag).append(" message=\"").append(attr(first)).append("\" type=\"")
                    .append(r.badInput() ? "bad input" : r.internalError() ? "internal error" : "expectation").append("\">")
                    .append(text(text.toString())).append("</").append(tag).append(">\n    </testcase>\n");
        }
        return out.append("  </testsuite>\n</testsuites>\n").toString();
    }

    private static String folder(String file) {
        int slash = file.lastIndexOf('/');
        return slash < 0 ? "scenarios" : file.substring(0, slash).replace('/', '.');
    }

    private static String name(String file) {
        return file.substring(file.lastIndexOf('/') + 1);
    }

    private static String text(String s) {
        StringBuilder out = new StringBuilder();
        for (char c : s.toCharArray()) {
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                default -> out.append(c < 0x20 && c != '\n' && c != '\t' ? '?' : c);
            }
        }
        return out.toString();
    }

    private static String attr(String s) {
        return text(s).replace("\"", "&quot;").replace("\n", "&#10;");
    }
}
