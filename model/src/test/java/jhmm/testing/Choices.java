package jhmm.testing;

/**
 * Where a generated test case gets its numbers: a seeded {@link java.util.Random} in the
 * parameterized tries of every build ({@link RandomChoices}), the fuzzer's input under
 * {@code @FuzzTest} ({@link FuzzChoices}). A generator written against this interface makes
 * the same kind of case from either, so both kinds of test check one property.
 */
public interface Choices {
    /** A number in {@code [min, max]}, uniform when random. */
    int between(int min, int max);

    /** A number in {@code [0, Integer.MAX_VALUE]}, uniform when random (not biased to small values: cases pick among choices with {@code %}). */
    default int anyNonNegative() {
        return between(0, Integer.MAX_VALUE);
    }
}
