package jhmm.cli;

import java.io.PrintWriter;
import java.util.List;
import jhmm.diff.FileDiff;

/** The text report of {@code jhmm diff}: one line a file, the first divergence in full, a summary. */
final class DiffText {
    private DiffText() {}

    static void printFile(PrintWriter out, FileDiff d) {
        switch (d.status()) {
            case AGREE -> out.println("AGREE " + d.file() + " (" + d.steps() + " commands)"
                    + (d.note() == null ? "" : "; " + d.note()));
            case DIVERGE -> {
                out.println("DIVERGE " + d.file() + ":" + d.line() + ": " + d.command());
                out.println("    differs: " + d.what());
                out.println("    model:   " + d.model());
                out.println("    host:    " + d.host());
            }
            case NOT_COMPARABLE -> out.println("NOT COMPARABLE " + d.file() + ": " + d.note());
            case ERROR -> out.println("ERROR " + d.file() + (d.line() > 0 ? ":" + d.line() : "") + ": " + d.note());
            case BAD_INPUT -> out.println("BAD INPUT " + d.file() + ":" + d.line() + ": " + d.note());
        }
        out.flush();
    }

    static void printSummary(PrintWriter out, List<FileDiff> diffs) {
        out.println(count(diffs, FileDiff.Status.AGREE) + " agree, " + count(diffs, FileDiff.Status.DIVERGE) + " diverge, "
                + count(diffs, FileDiff.Status.NOT_COMPARABLE) + " not comparable, "
                + (count(diffs, FileDiff.Status.ERROR) + count(diffs, FileDiff.Status.BAD_INPUT)) + " errors");
    }

    private static long count(List<FileDiff> diffs, FileDiff.Status s) {
        return diffs.stream().filter(d -> d.status() == s).count();
    }
}
