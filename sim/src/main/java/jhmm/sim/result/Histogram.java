package jhmm.sim.result;

import java.util.Arrays;

/** Counts of small non-negative values (batch sizes), growing as larger ones come. */
public final class Histogram {
    private long[] counts = new long[64];
    private int max = -1;

    public void add(int value) {
        if (value >= counts.length) {
            counts = Arrays.copyOf(counts, Math.max(value + 1, counts.length * 2));
        }
        counts[value]++;
        max = Math.max(max, value);
    }

    public long[] toArray() {
        return Arrays.copyOf(counts, max + 1);
    }
}
