package jhmm.testing;

import java.util.ArrayList;
import java.util.List;

/** Values picked with given relative weights, as a generator's table of operations and their frequencies. */
public final class Weighted<T> {
    private final List<T> values = new ArrayList<>();
    private final List<Integer> upTo = new ArrayList<>();
    private int total;

    /** This table with {@code value} added at relative weight {@code weight}. */
    public Weighted<T> with(int weight, T value) {
        if (weight <= 0) {
            throw new IllegalArgumentException("weight " + weight + " of " + value);
        }
        total += weight;
        values.add(value);
        upTo.add(total);
        return this;
    }

    public T pick(Choices choices) {
        int n = choices.between(0, total - 1);
        int i = 0;
        while (n >= upTo.get(i)) {
            i++;
        }
        return values.get(i);
    }
}
