package jhmm.diff;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The shrinker's calls of the failure predicate, each of which runs both sides: at most
 * {@code maxCalls} of them, never twice for the same lines, never for lines that do not parse.
 */
final class Trials {
    private final Predicate<List<String>> stillFails;
    private final int maxCalls;
    private final Set<List<String>> tried = new HashSet<>();
    private int calls;

    Trials(Predicate<List<String>> stillFails, int maxCalls) {
        this.stillFails = stillFails;
        this.maxCalls = maxCalls;
    }

    /** Whether {@code candidate} still fails; false without a call when it cannot be tried. */
    boolean fails(List<String> candidate) {
        if (exhausted() || !tried.add(List.copyOf(candidate)) || !ScenarioLines.parses(candidate)) {
            return false;
        }
        calls++;
        return stillFails.test(List.copyOf(candidate));
    }

    boolean exhausted() {
        return calls >= maxCalls;
    }
}
