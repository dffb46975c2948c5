package jhmm.cli;

import java.io.PrintWriter;
import java.util.List;
import jhmm.diff.FileDiff;
import jhmm.diff.RandomDiff;

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

    /** A diverging random case, as found: its seed, the divergence and the shrunk file. */
    static void printCase(PrintWriter out, RandomDiff.Case c) {
        out.println("DIVERGE seed " + c.seed() + " -> " + c.written() + " (" + c.shrunk().size() + " lines)");
        out.println("    after:   " + c.diff().command());
        out.println("    differs: " + c.diff().what());
        out.println("    model:   " + c.diff().model());
        out.println("    host:    " + c.diff().host());
        out.flush();
    }

    static void printRandomSummary(PrintWriter out, RandomDiff.Summary s, long seed) {
        out.printf("random: %d cases from seed %d, %d agree (%.1f %%), %d diverge, %d errors%n", s.cases(), seed, s.agreed(),
                s.agreementPercent(), s.diverged().size(), s.errors().size());
        s.errors().forEach(e -> out.println("    error " + e.file() + ":" + e.line() + ": " + e.note()));
        s.byCommand().forEach((kind, n) -> out.println("    divergences after " + kind + ": " + n));
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
