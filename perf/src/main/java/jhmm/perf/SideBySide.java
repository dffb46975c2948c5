package jhmm.perf;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import jhmm.perf.host.HostSupport;

/** The side-by-side table: every chosen operation for 4K and THP over one range size. */
public final class SideBySide {
    /** Untimed rounds of both sides before the timed ones (the model's go on: see {@link Interleaved}). */
    public static final int WARMUP = 2;
    /** Timed rounds per side by default: at 1 GiB the whole table takes about a minute here. */
    public static final int REPEAT = 7;

    private SideBySide() {}

    public static List<Comparison> run(long size, List<Operation> ops, int repeat, HostSupport host, Consumer<String> progress) {
        List<Comparison> rows = new ArrayList<>();
        for (Operation op : ops) {
            for (Kind kind : Kind.values()) {
                rows.add(Interleaved.compare(op, kind, size, op.hostMissing(host, kind, size), WARMUP, repeat));
                progress.accept(op + " " + kind + " done");
            }
        }
        return rows;
    }
}
