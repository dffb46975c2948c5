package jhmm.sim.result;

import java.util.Locale;

/** Simulated times, sizes and rates as people read them. */
public final class Units {
    private Units() {}

    /** Picoseconds in the largest of ns, us, ms, s it reaches, with three significant digits or more. */
    public static String time(long ps) {
        if (ps == 0) {
            return "0";
        }
        double v = ps;
        String[] units = {"ps", "ns", "us", "ms", "s"};
        int u = 0;
        while (u < units.length - 1 && Math.abs(v) >= 1000) {
            v /= 1000;
            u++;
        }
        return String.format(Locale.ROOT, v >= 100 || u == 0 ? "%.0f %s" : v >= 10 ? "%.1f %s" : "%.2f %s", v, units[u]);
    }

    public static String bytes(long b) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        double v = b;
        int u = 0;
        while (u < units.length - 1 && v >= 1024) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, v == Math.rint(v) ? "%.0f %s" : "%.1f %s", v, units[u]);
    }

    /** Bytes over picoseconds, in GB/s (10^9 bytes a second, as link speeds are given). */
    public static String rate(long bytes, long ps) {
        return ps == 0 ? "-" : String.format(Locale.ROOT, "%.2f GB/s", bytes * 1000.0 / ps);
    }

    public static String percent(long part, long whole) {
        return whole == 0 ? "-" : String.format(Locale.ROOT, "%.0f %%", 100.0 * part / whole);
    }
}
