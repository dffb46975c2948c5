package jhmm.scenario;

import java.util.function.Supplier;

import java.io.PrintWriter;

/**
 * What a run writes while it goes: the text of {@code show} commands and, when traced, every
 * command with its result in expectation words ({@code FILE:LINE: COMMAND -> RESULT}), so that
 * a user sees what to {@code expect} without failing an expectation on purpose.
 */
public interface Transcript {
    /** Writes nothing: for runs whose caller only wants the report. */
    Transcript SILENT = new Transcript() {
        @Override
        public void ran(String file, Step step, Supplier<String> result) {}

        @Override
        public void shown(String text) {}
    };

    /**
     * {@code step} of {@code file} ran; {@code result} gives {@link ResultWords} or why it could
     * not run, made only when asked for (the words of a large read cost a scan of its data).
     */
    void ran(String file, Step step, Supplier<String> result);

    /** A {@code show} command's text, lines ended by newlines. */
    void shown(String text);

    /**
     * After {@code step} ran: every process's mappings and page states, as {@code show} prints
     * them; computed only when this transcript asks {@code state} for it (a report does).
     */
    default void stateAfter(String file, Step step, Supplier<String> state) {}

    /**
     * Prints to {@code out}: shown text always, the commands only when {@code trace}; then a
     * {@code show}'s text comes under its own line.
     */
    static Transcript printing(PrintWriter out, boolean trace) {
        return new Transcript() {
            private final StringBuilder pending = new StringBuilder();

            @Override
            public void ran(String file, Step step, Supplier<String> result) {
                if (trace) {
                    out.println(file + ":" + step.line() + ": " + step.source() + " -> " + result.get());
                    out.print(pending);
                    pending.setLength(0);
                }
            }

            @Override
            public void shown(String text) {
                if (trace) {
                    pending.append(text);
                } else {
                    out.print(text);
                    out.flush();
                }
            }
        };
    }
}
