package jhmm.scenario;

import java.util.TreeMap;

/**
 * A command's result in the words an {@code expect} line uses: the outcome, the counters, the
 * data as patterns and the snapshot's protection codes, e.g.
 * {@code ok cpages=4 faults=1 data=i32; prot WRITE*4}.
 */
final class ResultWords {
    private ResultWords() {}

    static String of(Result r) {
        StringBuilder s = new StringBuilder(r.outcome());
        new TreeMap<>(r.counters()).forEach((key, value) -> s.append(' ').append(key).append('=').append(value));
        r.data().ifPresent(d -> s.append(' ').append(DataWords.describe(d)));
        if (!r.prot().isEmpty()) {
            s.append("; prot ").append(ExpectationChecker.runs(r.prot()));
        }
        return s.toString();
    }
}
