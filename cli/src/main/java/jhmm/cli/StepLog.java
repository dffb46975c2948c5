package jhmm.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import jhmm.scenario.Step;
import jhmm.scenario.Transcript;

/**
 * A transcript that also keeps, for a report, every step of every file: its line, its words,
 * its result and the page states after it (when it is asked to keep them: they cost a scan of
 * the data read and of every process). What it hears it passes on to the transcript it wraps,
 * so that the run prints as it would without a report.
 */
final class StepLog implements Transcript {
    /** One step as the report shows it. */
    record Entry(int line, String source, String result, String state) {}

    private final Transcript inner;
    private final boolean keep;
    private final Map<String, List<Entry>> files = new LinkedHashMap<>();
    private String pendingResult;

    StepLog(Transcript inner, boolean keep) {
        this.inner = inner;
        this.keep = keep;
    }

    @Override
    public void ran(String file, Step step, Supplier<String> result) {
        inner.ran(file, step, result);
        pendingResult = keep ? result.get() : "";
    }

    @Override
    public void shown(String text) {
        inner.shown(text);
    }

    @Override
    public void stateAfter(String file, Step step, Supplier<String> state) {
        inner.stateAfter(file, step, state);
        if (keep) {
            files.computeIfAbsent(file, f -> new ArrayList<>()).add(new Entry(step.line(), step.source(), pendingResult, state.get()));
        }
    }

    /** Keeps the steps {@code other} kept, after those kept already (a file run on its own log). */
    void addAll(StepLog other) {
        files.putAll(other.files);
    }

    /** The steps of {@code file} in the order they ran (none for a file that did not get to run). */
    List<Entry> steps(String file) {
        return files.getOrDefault(file, List.of());
    }
}
