package jhmm.cli;

import java.io.PrintWriter;
import java.util.List;
import jhmm.scenario.Failure;
import jhmm.scenario.FileReport;

/** The plain-text report: a line per failure, PASS/FAIL per file, and the closing count. */
final class TextReport {
    private TextReport() {}

    static void printFile(PrintWriter out, FileReport report) {
        for (Failure f : report.failures()) {
            out.println(f.format(report.file()));
        }
        out.println((report.passed() ? "PASS " : "FAIL ") + report.file());
    }

    /** Exactly {@code N passed, M failed}, counting files, so that CI tools can read it. */
    static void printSummary(PrintWriter out, List<FileReport> reports) {
        long passed = reports.stream().filter(FileReport::passed).count();
        out.println(passed + " passed, " + (reports.size() - passed) + " failed");
    }
}
