package jhmm.perf;

/**
 * Measures one operation's model and host sides in the same process over the same range:
 * warm-up rounds, then timed rounds alternating model, host, model, host, ... so that both
 * sides see the same machine load; each side's figure is its median ns per 4 KiB page.
 */
public final class Interleaved {
    /**
     * Model run time the warm-up lasts at least (when there is one): C2 compiles a loop after
     * tens of thousands of iterations, so a cheap operation (mprotect of THPs: 512 entries a
     * call) needs far more than a few rounds before its figure is the compiled code's.
     */
    public static final long WARM_UP_NANOS = 300_000_000L;
    private static final int MAX_WARM_UP_ROUNDS = 1000;

    private Interleaved() {}

    /**
     * @param warmup untimed rounds of both sides; the model's go on until it has run
     *     {@value #WARM_UP_NANOS} ns in all (0: no warm-up at all)
     * @param hostMissing null to run the host side too, else why it is not run
     * @throws IllegalStateException when either side failed to do its work
     */
    public static Comparison compare(Operation op, Kind kind, long len, String hostMissing, int warmup, int reps) {
        try (RangeOp model = op.model(kind, len); RangeOp host = hostMissing == null ? op.host(kind, len) : null) {
            long warmed = 0;
            for (int i = 0; i < warmup || (warmup > 0 && warmed < WARM_UP_NANOS && i < MAX_WARM_UP_ROUNDS); i++) {
                warmed += once(model);
                if (i < warmup) {
                    once(host); // the kernel needs no JIT: its rounds only settle the host side
                }
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
