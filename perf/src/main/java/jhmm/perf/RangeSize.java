package jhmm.perf;

import java.util.Locale;
import jhmm.base.ByteSize;
import jhmm.base.PageSize;


/** Range sizes as the command line and the JMH parameters write them: sizes as {@link ByteSize} reads them. */
public final class RangeSize {
    /** The largest range measured: a 64 GiB machine is the scale. */
    public static final long MAX = 1L << 40;

    private RangeSize() {}

    /** @throws IllegalArgumentException unless {@code s} is a positive multiple of 2M up to 1T */
    public static long parse(String s) {
        return check(ByteSize.require(s));
    }

    /** @throws IllegalArgumentException unless {@code bytes} is a positive multiple of 2M up to 1T */
    public static long check(long bytes) {
        if (bytes <= 0 || bytes % PageSize.PMD_SIZE != 0 || bytes > MAX) {
            throw new IllegalArgumentException("range sizes must be positive multiples of 2M up to 1T: " + format(bytes));
        }
        return bytes;
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

    /** Bytes in GiB with one decimal, for amounts that are no range size: "22.2 GiB". */
    public static String gib(long bytes) {
        return String.format(Locale.ROOT, "%.1f GiB", bytes / (double) (1L << 30));
    }
}
