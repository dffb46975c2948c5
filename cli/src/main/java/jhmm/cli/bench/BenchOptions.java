package jhmm.cli.bench;

import java.util.List;

/**
 * What {@code jhmm bench} passes to every entry: the timed iterations per measurement, the
 * buffer sizes in bytes (an empty list for the entry's own sizes), and whether to run the
 * measurement once untimed first so that the JVM has compiled the model and sized its heap.
 */
public record BenchOptions(int iterations, List<Long> sizes, boolean warmup) {
    public BenchOptions {
        if (iterations <= 0) {
            throw new IllegalArgumentException("iterations must be positive: " + iterations);
        }
        sizes = List.copyOf(sizes);
    }
}
