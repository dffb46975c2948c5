package jhmm.perf;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import jhmm.base.PageSize;
import jhmm.perf.host.HostSupport;

/**
 * ns per 4 KiB page of each operation as the range grows (flat is the goal): the model at
 * every size, the host only while the range fits comfortably in its free RAM. Large ranges
 * get fewer timed rounds ({@link #reps}) so that a run up to 64 GiB stays in minutes.
 */
public final class Scaling {
    public static final List<Long> SIZES = List.of(1L << 20, 16L << 20, 256L << 20, 4L << 30, 64L << 30);
    /** Bytes of range the timed rounds of one size cover at most (beyond one round). */
    private static final long BUDGET = 16L << 30;
    /** Sizes up to this get a warm-up round; larger ones come after them, on a warm JIT. */
    private static final long WARM_UP_UP_TO = 1L << 30;
    /**
     * Before an operation's sizes, untimed rounds over a range of this size: a 1 MiB range
     * alone is too little work for the JIT to compile the model before it is timed.
     */
    private static final long JIT_WARM_UP_SIZE = 64L << 20;
    private static final int JIT_WARM_UP_ROUNDS = 3;

    private Scaling() {}

    /** @throws IllegalArgumentException unless {@code bytes} is a positive multiple of 4K up to 1T */
    public static long checkSize(long bytes) {
        if (bytes <= 0 || bytes % PageSize.PAGE_SIZE != 0 || bytes > RangeSize.MAX) {
            throw new IllegalArgumentException("scaling sizes must be positive multiples of 4K up to 1T: " + RangeSize.format(bytes));
        }
        return bytes;
    }

    /** Timed rounds for a range of {@code size}: {@code repeat}, fewer for large ranges, at least 1. */
    static int reps(long size, int repeat) {
        return (int) Math.max(1, Math.min(repeat, BUDGET / size));
    }

    public static List<Comparison> run(List<Long> sizes, List<Operation> ops, int repeat, HostSupport host, Consumer<String> progress) {
        List<Comparison> rows = new ArrayList<>();
        List<Long> ascending = sizes.stream().sorted().toList();
        for (Operation op : ops) {
            for (Kind kind : Kind.values()) {
                Interleaved.compare(op, kind, JIT_WARM_UP_SIZE, op.hostMissing(host, kind, JIT_WARM_UP_SIZE), JIT_WARM_UP_ROUNDS, 1);
                for (long size : ascending) {
                    if (kind.thp() && size % PageSize.PMD_SIZE != 0) {
                        rows.add(new Comparison(op, kind, size, Double.NaN, Double.NaN, "THP needs a multiple of 2M", null));
                        continue;
                    }
                    int warmup = size <= WARM_UP_UP_TO ? 1 : 0;
                    rows.add(point(op, kind, size, op.hostMissing(host, kind, size), warmup, reps(size, repeat)));
                    progress.accept(op + " " + kind + " " + RangeSize.format(size) + " done");
                }
            }
        }
        return rows;
    }

    private static Comparison point(Operation op, Kind kind, long size, String hostMissing, int warmup, int reps) {
        try {
            return Interleaved.compare(op, kind, size, hostMissing, warmup, reps);
        } catch (OutOfMemoryError e) {
            // a simulated machine larger than the heap: the row says so and the next size may still fit
            return new Comparison(op, kind, size, Double.NaN, Double.NaN, hostMissing,
                    "model: Java heap too small (max " + RangeSize.gib(Runtime.getRuntime().maxMemory()) + ")");
        }
    }
}
