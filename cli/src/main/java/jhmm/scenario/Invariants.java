package jhmm.scenario;

import java.util.List;

/** How a list of coherence-checker violations reads in a failure line. */
final class Invariants {
    private Invariants() {}

    static String describe(List<String> violations) {
        return violations.size() + (violations.size() == 1 ? " violation: " : " violations: ")
                + String.join("; ", violations);
    }
}
