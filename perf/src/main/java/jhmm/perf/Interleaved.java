package jhmm.perf;

/**
 * Measures one operation's model and host sides in the same process over the same range:
 * warm-up rounds, then timed rounds alternating model, host, model, host, ... so that both
 * sides see the same machine load; each side's figure is its median ns per 4 KiB page.
 */
public final class Interleaved {
    private Interleaved() {}

    /**
     * @param hostMissing null to run the host side too, else why it is not run
     * @throws IllegalStateException when either side failed to do its work
     */
    public static Comparison compare(Operation op, Kind kind, long len, String hostMissing, int warmup, int reps) {
        try (RangeOp model = op.model(kind, len); RangeOp host = hostMissing == null ? op.host(kind, len) : null) {
            for (int i = 0; i < warmup; i++) {
                once(model);
                once(host);
            }
            long[] m = new long[reps];
            long[] h = new long[reps];
            for (int i = 0; i < reps; i++) {
                m[i] = once(model);
                h[i] = once(host);
            }
            double hostNs = host == null ? Double.NaN : Samples.perPage(h, host.pages());
            String note = host == null ? null : host.note();
            return new Comparison(op, kind, len, Samples.perPage(m, model.pages()), hostNs, hostMissing, note);
        }
    }

    /** One untimed prepare, the timed run, one untimed finish: the run's ns (0 for no side). */
    static long once(RangeOp side) {
        if (side == null) {
            return 0;
        }
        side.prepare();
        long t0 = System.nanoTime();
        side.run();
        long t = System.nanoTime() - t0;
        side.finish();
        return t;
    }
}
