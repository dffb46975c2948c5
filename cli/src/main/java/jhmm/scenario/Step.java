package jhmm.scenario;

import java.util.List;

/** A command at its source line, with the expectations written right after it. */
public record Step(int line, Command command, List<Expectation> expectations) {
    public Step {
        expectations = List.copyOf(expectations);
    }
}
