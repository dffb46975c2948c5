package jhmm.scenario;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import jhmm.base.PageSize;
import jhmm.base.Pattern;
import jhmm.scenario.Result.ReadData;

/**
 * Data a command read, in the words of {@code expect data=}: the pattern each page of it holds,
 * with {@code off=} and {@code len=} where it changes, so that a trace line can be pasted as an
 * expectation. A page that holds no pattern of the language is said to be so.
 */
final class DataWords {
    private DataWords() {}

    /** E.g. {@code data=i32}, or {@code data=i32 len=1p; data=zero off=1p}. */
    static String describe(ReadData data) {
        int total = data.bytes().length;
        if (total == 0) {
            return "no data";
        }
        List<String> parts = new ArrayList<>();
        int start = 0;
        Pattern current = null;
        for (int from = 0; from < total; ) {
            int to = (int) Math.min(total, pageEnd(data.origin() + from) - data.origin());
            Pattern held = patternOf(data, from, to);
            if (from > 0 && !Objects.equals(held, current)) {
                parts.add(part(current, start, from, total));
                start = from;
            }
            current = held;
            from = to;
        }
        parts.add(part(current, start, total, total));
        return String.join("; ", parts);
    }

    private static long pageEnd(long off) {
        return (off | (PageSize.PAGE_SIZE - 1)) + 1;
    }

    private static String part(Pattern p, int from, int to, int total) {
        String where = (from > 0 ? " off=" + SizeWords.format(from) : "")
                + (to < total ? " len=" + SizeWords.format(to - from) : "");
        return p == null ? "data matching no pattern" + where : "data=" + word(p) + where;
    }

    /** The pattern's word as a scenario writes it. */
    static String word(Pattern p) {
        return switch (p.slope()) {
            case 0 -> p.base() == 0 ? "zero" : "byte:" + (p.base() & 0xff);
            case 1 -> p.base() == 0 ? "i32" : "i32+" + Integer.toUnsignedString(p.base());
            default -> "-i32";
        };
    }

    /**
     * The pattern that bytes [from, to) of {@code data} hold, or null. The candidates come from
     * the first whole 32-bit word (or, in a span shorter than one, the first byte): the language's
     * patterns are fixed by one word.
     */
    private static Pattern patternOf(ReadData data, int from, int to) {
        byte[] b = data.bytes();
        List<Pattern> candidates = new ArrayList<>();
        candidates.add(Pattern.fillByte(b[from] & 0xff));
        int j = from + (int) ((4 - (data.origin() + from) % 4) % 4);
        if (j + 4 <= to) {
            int w = (b[j] & 0xff) | (b[j + 1] & 0xff) << 8 | (b[j + 2] & 0xff) << 16 | (b[j + 3] & 0xff) << 24;
            long k = (data.origin() + j) >>> 2;
            candidates.add(Pattern.i32(w - (int) k));
            candidates.add(Pattern.negI32());
        }
        for (Pattern p : candidates) {
            if (holds(data, p, from, to)) {
                return p;
            }
        }
        return null;
    }

    private static boolean holds(ReadData data, Pattern p, int from, int to) {
        return DataCompare.firstMismatch(data, p, from, to) < 0;
    }
}
