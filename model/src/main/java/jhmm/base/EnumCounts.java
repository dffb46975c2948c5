package jhmm.base;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Counters named by the constants of an enum, as a device model keeps them: one long per
 * constant, safe to add to from several threads, copied and subtracted so that a caller can
 * tell what one call added. Each counter's word (for scenario results) is its constant's name
 * in lower case with dashes.
 *
 * @param <E> the counters
 * @param <S> the concrete class, which {@link #snapshot} and {@link #minus} return
 */
public abstract class EnumCounts<E extends Enum<E>, S extends EnumCounts<E, S>> {
    private final E[] keys;
    private final long[] counts;

    protected EnumCounts(Class<E> type) {
        this.keys = type.getEnumConstants();
        this.counts = new long[keys.length];
    }

    /** An empty instance of the concrete class. */
    protected abstract S empty();

    protected final synchronized void count(E c, long n) {
        counts[c.ordinal()] += n;
    }

    public final synchronized long get(E c) {
        return counts[c.ordinal()];
    }

    /** A copy, to subtract later. */
    public final synchronized S snapshot() {
        S s = empty();
        System.arraycopy(counts, 0, ((EnumCounts<E, S>) s).counts, 0, counts.length);
        return s;
    }

    /** These counts less {@code before}'s. */
    public final synchronized S minus(S before) {
        S s = snapshot();
        long[] out = ((EnumCounts<E, S>) s).counts;
        for (int i = 0; i < out.length; i++) {
            out[i] -= before.get(keys[i]);
        }
        return s;
    }

    /** The word a scenario result gives counter {@code c}. */
    public static String word(Enum<?> c) {
        return c.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** Every counter by its word, in declaration order. */
    public final synchronized Map<String, Long> words() {
        Map<String, Long> out = new LinkedHashMap<>();
        for (E c : keys) {
            out.put(word(c), counts[c.ordinal()]);
        }
        return out;
    }
}
