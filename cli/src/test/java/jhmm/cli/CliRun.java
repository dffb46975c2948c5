package jhmm.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

/** One run of the jhmm command line in this JVM: its exit code and what it printed. */
record CliRun(int exit, String out, String err) {
    /** A run whose stderr is not a terminal: no progress lines. */
    static CliRun of(String... args) {
        return run(false, args);
    }

    /** A run as with stderr on a terminal: long runs print progress lines there. */
    static CliRun watched(String... args) {
        return run(true, args);
    }

    private static CliRun run(boolean terminal, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Main.execute(System.in, terminal, new PrintWriter(out), new PrintWriter(err), args);
        return new CliRun(exit, out.toString(), err.toString());
    }
}
