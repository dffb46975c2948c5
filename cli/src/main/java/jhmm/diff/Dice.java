package jhmm.diff;

import java.util.List;
import java.util.SplittableRandom;
import jhmm.scenario.SizeWords;

/** The random choices the generator makes, over one seeded source so a seed always gives the same file. */
final class Dice {
    private final SplittableRandom random;

    Dice(long seed) {
        random = new SplittableRandom(seed);
    }

    boolean chance(double p) {
        return random.nextDouble() < p;
    }

    /** A number in {@code [lo, hi]}. */
    long between(long lo, long hi) {
        return random.nextLong(lo, hi + 1);
    }

    int between(int lo, int hi) {
        return random.nextInt(lo, hi + 1);
    }

    /** {@code lo} to {@code hi} pages, in bytes. */
    long pages(long lo, long hi) {
        return between(lo, hi) * SizeWords.PAGE;
    }

    <T> T pick(List<T> choices) {
        return choices.get(random.nextInt(choices.size()));
    }
}
