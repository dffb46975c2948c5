package jhmm.sim.workload;

import java.util.SplittableRandom;

/**
 * Draws ranks 1..n with probability proportional to 1/rank^s in constant time and memory, by
 * rejection-inversion (Hörmann and Derflinger, "Rejection-inversion to generate variates from
 * monotone discrete distributions", 1996): invert the integral of the continuous density, round
 * to the nearest rank and accept unless the point falls outside the rank's bar.
 */
final class ZipfSampler {
    private final long n;
    private final double s;
    private final double integralFirst;
    private final double integralLast;
    private final double squeeze;

    ZipfSampler(long n, double s) {
        this.n = n;
        this.s = s;
        this.integralFirst = integral(1.5) - 1;
        this.integralLast = integral(n + 0.5);
        this.squeeze = 2 - inverse(integral(2.5) - density(2));
    }

    long sample(SplittableRandom rnd) {
        while (true) {
            double u = integralLast + rnd.nextDouble() * (integralFirst - integralLast);
            double x = inverse(u);
            long k = Math.max(1, Math.min(n, (long) (x + 0.5)));
            if (k - x <= squeeze || u >= integral(k + 0.5) - density(k)) {
                return k;
            }
        }
    }

    private double density(double x) {
        return Math.exp(-s * Math.log(x));
    }

    /** The integral of the density from 1 to x, shifted so that it is smooth at s = 1. */
    private double integral(double x) {
        double lx = Math.log(x);
        return expm1Over((1 - s) * lx) * lx;
    }

    private double inverse(double y) {
        double t = Math.max(-1, y * (1 - s));
        return Math.exp(log1pOver(t) * y);
    }

    /** (e^x - 1) / x, 1 at 0. */
    private static double expm1Over(double x) {
        return Math.abs(x) > 1e-8 ? Math.expm1(x) / x : 1 + x / 2;
    }

    /** ln(1 + x) / x, 1 at 0. */
    private static double log1pOver(double x) {
        return Math.abs(x) > 1e-8 ? Math.log1p(x) / x : 1 - x / 2;
    }
}
