package jhmm.diff;

import java.util.List;
import java.util.function.Predicate;

/**
 * Shrinks a diverging scenario to a small one that still diverges: ddmin over its lines
 * ({@link LineReducer}), then its numbers ({@link NumberReducer}), again while either helps.
 * Each predicate call runs both sides, so there are at most {@link #MAX_CALLS} (or the given
 * bound), none for lines that do not parse and none twice for the same lines.
 */
public final class Shrinker {
    public static final int MAX_CALLS = 500;

    private Shrinker() {}

    public static List<String> shrink(List<String> lines, Predicate<List<String>> stillFails) {
        return shrink(lines, stillFails, MAX_CALLS);
    }

    /**
     * The smallest failing list found. {@code lines} are taken to fail (the caller saw them
     * fail): any other list returned is one {@code stillFails} accepted.
     */
    public static List<String> shrink(List<String> lines, Predicate<List<String>> stillFails, int maxCalls) {
        Trials trials = new Trials(stillFails, maxCalls);
        List<String> current = List.copyOf(lines);
        List<String> before;
        do {
            before = current;
            current = NumberReducer.reduce(LineReducer.reduce(current, trials), trials);
        } while (!current.equals(before) && !trials.exhausted());
        return current;
    }
}
