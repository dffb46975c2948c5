package jhmm.perf;

import java.util.Arrays;

/** The arithmetic of the results: medians of timed repetitions, per-page figures, ratios. */
public final class Samples {
    private Samples() {}

    /** The median of {@code ns} (the mean of the middle two for an even count). */
    public static double median(long[] ns) {
        if (ns.length == 0) {
            throw new IllegalArgumentException("no samples");
        }
        long[] s = ns.clone();
        Arrays.sort(s);
        int mid = s.length / 2;
        return s.length % 2 == 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2.0;
    }

    /** The median time of the samples per 4 KiB page. */
    public static double perPage(long[] ns, long pages) {
        return median(ns) / pages;
    }

    /** model / host, NaN when either is missing or the host took no time. */
    public static double ratio(double model, double host) {
        if (Double.isNaN(model) || Double.isNaN(host) || host <= 0) {
            return Double.NaN;
        }
        return model / host;
    }
}
