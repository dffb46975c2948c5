package jhmm.cli.bench;

import java.nio.file.Path;
import java.util.List;
import jhmm.perf.Operation;

/**
 * What {@code jhmm bench} passes to every entry. For thp-migration: the timed iterations per
 * measurement, the buffer sizes in bytes (an empty list for the entry's own sizes), and
 * whether to run the measurement once untimed first so that the JVM has compiled the model
 * and sized its heap. For the model-vs-host entries: the range size, the operations, the
 * timed rounds per side, and where to draw the scaling curves (null: nowhere).
 */
public record BenchOptions(int iterations, List<Long> sizes, boolean warmup, long size, List<Operation> ops, int repeat, Path plot) {
    public BenchOptions {
        if (iterations <= 0) {
            throw new IllegalArgumentException("iterations must be positive: " + iterations);
        }
        if (repeat <= 0) {
            throw new IllegalArgumentException("repeat must be positive: " + repeat);
        }
        if (ops.isEmpty()) {
            throw new IllegalArgumentException("--ops names no operation");
        }
        sizes = List.copyOf(sizes);
        ops = List.copyOf(ops);
    }
}
