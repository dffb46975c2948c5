package jhmm.testing;

import java.util.Random;

/** Choices drawn from a seeded random generator: the same seed makes the same case. */
public final class RandomChoices implements Choices {
    private final Random random;

    public RandomChoices(long seed) {
        this.random = new Random(seed);
    }

    @Override
    public int between(int min, int max) {
        return (int) random.nextLong(min, max + 1L);
    }
}
