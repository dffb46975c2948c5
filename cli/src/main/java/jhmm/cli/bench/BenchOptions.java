package jhmm.cli.bench;

import java.util.List;

/**
 * What {@code jhmm bench} passes to every entry: the timed iterations per measurement, and the
 * buffer sizes in bytes, or an empty list for the entry's own sizes.
 */
public record BenchOptions(int iterations, List<Long> sizes) {
    public BenchOptions {
        if (iterations <= 0) {
            throw new IllegalArgumentException("iterations must be positive: " + iterations);
        }
        sizes = List.copyOf(sizes);
    }
}
