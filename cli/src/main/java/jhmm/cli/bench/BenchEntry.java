package jhmm.cli.bench;

import java.io.PrintWriter;
import java.util.Set;

/**
 * One named entry of {@code jhmm bench}: a measurement that runs to completion and returns
 * its result. Entries are listed in {@link BenchEntries}; adding one there is all it takes to
 * make it runnable and listed.
 */
public interface BenchEntry {
    /** The name on the command line: lower case, words joined by '-'. */
    String name();

    /**
     * The options of {@code jhmm bench} this entry reads (besides {@code --json}): an option
     * that none of the entries run reads is refused rather than silently ignored.
     */
    Set<String> options();

    /** One line for {@code jhmm bench --list}. */
    String description();

    /**
     * Runs the measurement; a line per finished step may go to {@code progress}.
     *
     * @throws IllegalArgumentException when the options do not suit this entry (a usage error)
     * @throws IllegalStateException when the measured operation failed (the run is void)
     */
    BenchResult run(BenchOptions options, PrintWriter progress);
}
