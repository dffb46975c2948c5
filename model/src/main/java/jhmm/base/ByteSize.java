package jhmm.base;

import java.util.Locale;
import java.util.OptionalLong;
import java.util.regex.Matcher;

/**
 * Sizes as users write them, in scenario files and on the command line alike: a number,
 * decimal or hex ({@code 0x1000}), with an optional suffix {@code K}, {@code M}, {@code G},
 * {@code T} (powers of 1024: {@code T} is a TiB) or {@code p} (4 KiB pages). One reader, so
 * that {@code 1T} means the same everywhere and a bad size gets the same message everywhere.
 */
public final class ByteSize {
    /** What a size looks like, for messages that refuse one. */
    public static final String HINT =
            "a number below 2^63, hex or decimal, with an optional K, M, G, T (powers of 1024) or p (4 KiB pages) suffix";
    private static final java.util.regex.Pattern SIZE =
            java.util.regex.Pattern.compile("(0x[0-9a-fA-F]+|[0-9]+)([KMGTp]?)");
    private static final String UNITS = "KMG";
    /** The characters of a bad size a message shows. */
    private static final int SHOWN = 60;

    private ByteSize() {}

    /** The size {@code word} stands for; empty when it is malformed or does not fit in a long. */
    public static OptionalLong parse(String word) {
        Matcher m = SIZE.matcher(word);
        if (!m.matches()) {
            return OptionalLong.empty();
        }
        try {
            String digits = m.group(1);
            long n = digits.startsWith("0x") ? Long.parseLong(digits.substring(2), 16) : Long.parseLong(digits);
            return OptionalLong.of(Math.multiplyExact(n, unit(m.group(2))));
        } catch (NumberFormatException | ArithmeticException tooLarge) {
            return OptionalLong.empty();
        }
    }

    /** The size {@code word} stands for. @throws IllegalArgumentException naming the word when it is none */
    public static long require(String word) {
        return parse(word).orElseThrow(() -> new IllegalArgumentException("bad SIZE '" + Printable.of(word, SHOWN) + "' (" + HINT + ")"));
    }

    private static long unit(String suffix) {
        return switch (suffix) {
            case "K" -> 1L << 10;
            case "M" -> 1L << 20;
            case "G" -> 1L << 30;
            case "T" -> 1L << 40;
            case "p" -> PageSize.PAGE_SIZE;
            default -> 1;
        };
    }

    /**
     * {@code bytes} in the largest of K, M, G that it reaches, as a size word where that is exact
     * ({@code 4096G}, {@code 64M}) and with one decimal otherwise ({@code 5.9G}). G is the
     * largest unit, so that limits read as the RAM sizes users write.
     */
    public static String format(long bytes) {
        for (int u = UNITS.length() - 1; u >= 0; u--) {
            long unit = 1L << (10 * (u + 1));
            if (bytes >= unit) {
                return bytes % unit == 0
                        ? bytes / unit + UNITS.substring(u, u + 1)
                        : String.format(Locale.ROOT, "%.1f%c", bytes / (double) unit, UNITS.charAt(u));
            }
        }
        return Long.toString(bytes);
    }
}
