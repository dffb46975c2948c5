package jhmm.scenario;

import java.util.List;

/**
 * A command at its source line, with the expectations written right after it; {@code source}
 * is the command's words as written (without the comment), for a trace.
 */
public record Step(int line, String source, Command command, List<Expectation> expectations) {
    public Step {
        expectations = List.copyOf(expectations);
    }
}
