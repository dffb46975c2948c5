package jhmm.testing;

import java.util.stream.LongStream;

/**
 * The seeds of a property's random tries in a parameterized test: fresh in every build, so that
 * builds keep exploring where the committed fuzzing inputs stay fixed. {@code -Djhmm.seed=N}
 * repeats a run; the first try then uses {@code N} itself, so the seed a failing try shows
 * reproduces it alone.
 */
public final class Tries {
    /** Spreads consecutive tries over the seed space (the 64-bit golden ratio). */
    private static final long STRIDE = 0x9E3779B97F4A7C15L;

    private Tries() {}

    public static LongStream seeds(int tries) {
        long first = Long.getLong("jhmm.seed", System.nanoTime() ^ Thread.currentThread().threadId() * STRIDE);
        return LongStream.range(0, tries).map(i -> first + i * STRIDE);
    }
}
