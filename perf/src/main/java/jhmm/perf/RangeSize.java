package jhmm.perf;

import java.util.Locale;
import jhmm.base.PageSize;
import jhmm.selftest.ThpMigrationRun;

/** Range sizes as the command line and the JMH parameters write them: bytes with a K, M or G suffix. */
public final class RangeSize {
    /** The largest range measured: a 64 GiB machine is the scale. */
    public static final long MAX = 1L << 40;

    private RangeSize() {}

    /** @throws IllegalArgumentException unless {@code s} is a positive multiple of 2M up to 1T */
    public static long parse(String s) {
        long n = ThpMigrationRun.parseSize(s);
        if (n <= 0 || n % PageSize.PMD_SIZE != 0 || n > MAX) {
            throw new IllegalArgumentException("size must be a positive multiple of 2M up to 1T: " + s);
        }
        return n;
    }

    /** 1G, 16M, 1536M: the largest binary unit that divides the size. */
    public static String format(long bytes) {
        String units = "KMGT";
        for (int u = units.length() - 1; u >= 0; u--) {
            long unit = 1L << (10 * (u + 1));
            if (bytes >= unit && bytes % unit == 0) {
                return String.format(Locale.ROOT, "%d%c", bytes / unit, units.charAt(u));
            }
        }
        return Long.toString(bytes);
    }
}
