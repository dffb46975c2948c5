package jhmm.sim.result;

import java.util.List;

/**
 * Samples taken during a run, one array a column: column 0 is simulated time (ps), the others
 * are named by {@code keys} (the JSON's names). {@code charts} says how a report draws them.
 */
public record Samples(List<String> keys, long[][] columns, List<Chart> charts) {
    /**
     * One chart of a column over simulated time, a line per run.
     *
     * @param id the chart's element id in the page
     * @param column the key of the column drawn
     * @param scale what a value is divided by before it is drawn
     * @param rate draw the column's change per millisecond of simulated time, divided by {@code scale} (a rate from a running total)
     */
    public record Chart(String id, String title, String note, String column, String yLabel, double scale, boolean rate) {}

    /** The column of {@code key}: column 0 is time. */
    public long[] column(String key) {
        int i = keys.indexOf(key);
        if (i < 0) {
            throw new IllegalArgumentException("no sampled column " + key);
        }
        return columns[i + 1];
    }

    public long[] times() {
        return columns[0];
    }
}
