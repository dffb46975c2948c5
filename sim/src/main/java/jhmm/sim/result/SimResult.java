package jhmm.sim.result;

import java.util.List;
import java.util.Map;

/**
 * What a simulation reports, whatever device it simulated: the reports (text, comparison
 * table, JSON, HTML page) are written against this, each device's result says what its
 * figures are. Times are picoseconds of simulated time.
 */
public interface SimResult {
    /** What it ran with. */
    SimSettings settings();

    /** The workload's name ({@code stream-read}, {@code rdma-sparse}, {@code trace FILE}). */
    default String workload() {
        return settings().workloadName();
    }

    /** What the workload does, in a line. */
    default String description() {
        return settings().workloadDescription();
    }

    /** The settings it ran with, a line each, as the text report heads itself. */
    default List<String> setup() {
        return settings().setup();
    }

    /** The settings as a tree of maps, lists and values for JSON. */
    default Map<String, Object> settingsTree() {
        return settings().tree();
    }

    long totalPs();

    /** What the run is made of, one after the other: {@code kernel} for a GPU, {@code round} for a NIC. */
    String phaseWord();

    /** Each phase's duration, in order. */
    long[] phasePs();

    /** What the time outside the phases is spent on ({@code the CPU between kernels}). */
    String outsidePhases();

    /** What the charges add up to, and what overlaps, heading the charges' table. */
    String chargesHeading();

    /** Where the time went, in a fixed order. */
    List<TimeCharge> charges();

    /** What was counted, by word, in a fixed order. */
    Map<String, Long> counts();

    /** What a count counts, in a phrase ("" when it says itself). */
    String countLabel(String word);

    /** Figures summarising the counts that are not counts themselves (batch sizes), listed under them. */
    List<Figure> countFigures();

    /** The heading of {@link #figures()}. */
    String figuresHeading();

    /** The run's derived figures: bandwidths, time per operation. */
    List<Figure> figures();

    /** Samples over simulated time and the charts a report draws of them. */
    Samples samples();

    /** A distribution a report draws as bars, or null. */
    Distribution distribution();

    /** Figures only the JSON form carries, by key (batch sizes, bytes moved). */
    Map<String, Object> extraTree();

    /** Null, or why the run stopped early. */
    String error();

    /** The charge with this word: 0 when the result has none. */
    default long charge(String word) {
        for (TimeCharge c : charges()) {
            if (c.word().equals(word)) {
                return c.ps();
            }
        }
        return 0;
    }
}
