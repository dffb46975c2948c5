package jhmm.testing;

import java.util.ArrayList;
import java.util.List;

/**
 * One step of a generated script: an operation and four numbers that pick, from the state at
 * that point, what it applies to (process, addresses, sizes, flags). Because the numbers are
 * read with {@code %} against the current state, any list of steps, shrunk or mutated, is a
 * valid script.
 */
public record Step<K>(K kind, int a, int b, int c, int d) {
    /** {@code min}..{@code max} steps with operations from {@code ops} and uniform numbers. */
    public static <K> List<Step<K>> script(Choices choices, Weighted<K> ops, int min, int max) {
        int n = choices.between(min, max);
        List<Step<K>> steps = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            steps.add(new Step<>(ops.pick(choices), choices.anyNonNegative(), choices.anyNonNegative(),
                    choices.anyNonNegative(), choices.anyNonNegative()));
        }
        return steps;
    }

    /** This step with one number made 0 or halved: the shrinker's simpler forms. */
    public List<Step<K>> simpler() {
        List<Step<K>> out = new ArrayList<>();
        for (int v : smaller(a)) {
            out.add(new Step<>(kind, v, b, c, d));
        }
        for (int v : smaller(b)) {
            out.add(new Step<>(kind, a, v, c, d));
        }
        for (int v : smaller(c)) {
            out.add(new Step<>(kind, a, b, v, d));
        }
        for (int v : smaller(d)) {
            out.add(new Step<>(kind, a, b, c, v));
        }
        return out;
    }

    private static int[] smaller(int v) {
        return v == 0 ? new int[0] : v == 1 ? new int[] {0} : new int[] {0, v / 2};
    }
}
