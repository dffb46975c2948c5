package jhmm.cli.bench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import jhmm.perf.Comparison;
import jhmm.perf.Operation;
import jhmm.perf.RangeSize;

/** Rows of model-vs-host figures as a text table and as JSON: shared by side-by-side and scaling. */
final class ComparisonTable {
    private static final String FORMAT = "%-14s %-4s %7s %13s %13s %8s  %-7s %s%n";

    private ComparisonTable() {}

    static void print(PrintWriter out, List<Comparison> rows) {
        out.printf(Locale.ROOT, FORMAT, "operation", "kind", "size", "model ns/page", "host ns/page", "ratio", "target", "result");
        for (Comparison r : rows) {
            out.printf(Locale.ROOT, FORMAT, r.op(), r.kind(), RangeSize.format(r.size()), ns(r.modelNsPerPage()), ns(r.hostNsPerPage()),
                    r.hasHost() && !Double.isNaN(r.ratio()) ? String.format(Locale.ROOT, "%.3f", r.ratio()) : "n/a",
                    "<=" + r.op().target(), result(r));
        }
    }

    /** met / missed, or why there is no ratio; a note follows in parentheses. */
    private static String result(Comparison r) {
        String verdict;
        if (!r.hasHost()) {
            verdict = "n/a (" + r.hostMissing() + ")";
        } else {
            verdict = r.met() ? "met" : "missed";
        }
        return r.note() == null ? verdict : verdict + " (" + r.note() + ")";
    }

    /** What each operation does on each side, under the table. */
    static void legend(PrintWriter out, List<Operation> ops) {
        for (Operation op : ops) {
            out.printf(Locale.ROOT, "  %-14s model: %s; host: %s%n", op, op.modelDoes(), op.hostDoes());
        }
    }

    private static String ns(double v) {
        if (Double.isNaN(v)) {
            return "n/a";
        }
        return String.format(Locale.ROOT, v < 10 ? "%.3f" : "%.1f", v);
    }

    static void toJson(ArrayNode array, List<Comparison> rows) {
        for (Comparison r : rows) {
            ObjectNode n = array.addObject();
            n.put("operation", r.op().label());
            n.put("kind", r.kind().label());
            n.put("sizeBytes", r.size());
            number(n, "modelNsPerPage", r.modelNsPerPage());
            number(n, "hostNsPerPage", r.hostNsPerPage());
            number(n, "ratio", r.ratio());
            n.put("target", r.op().target());
            if (r.hasHost() && !Double.isNaN(r.modelNsPerPage())) {
                n.put("met", r.met());
            } else {
                n.putNull("met");
            }
            n.put("hostMissing", r.hostMissing());
            n.put("note", r.note());
        }
    }

    /** A number, or null for NaN (JSON has no NaN). */
    private static void number(ObjectNode n, String field, double v) {
        if (Double.isNaN(v)) {
            n.putNull(field);
        } else {
            n.put(field, v);
        }
    }
}
