package jhmm.base;

/**
 * A fill pattern whose 32-bit little-endian word number {@code k} (counted from the start of
 * the mapping it is written through) holds {@code slope * k + base}.
 *
 * <p>Every pattern of the scenario language is of this form ({@code zero}, {@code i32},
 * {@code -i32}, {@code i32+N}, {@code byte:V}), which lets a page written with a pattern be
 * stored as one packed {@code long} instead of 4 KiB of bytes.
 */
public record Pattern(int slope, int base) {
    public static final Pattern ZERO = new Pattern(0, 0);

    public Pattern {
        if (slope < -1 || slope > 1) {
            throw new IllegalArgumentException("slope must be -1, 0 or 1: " + slope);
        }
    }

    /** {@code i32+add}: word k holds k+add. */
    public static Pattern i32(int add) {
        return new Pattern(1, add);
    }

    /** {@code -i32}: word k holds -k. */
    public static Pattern negI32() {
        return new Pattern(-1, 0);
    }

    /** {@code byte:v}: every byte holds v. */
    public static Pattern fillByte(int v) {
        if (v < 0 || v > 255) {
            throw new IllegalArgumentException("byte value out of 0..255: " + v);
        }
        return new Pattern(0, v * 0x01010101);
    }

    /** The word at word index {@code k} from the pattern's origin. */
    public int wordAt(long k) {
        return slope * (int) k + base;
    }

    /** The byte at byte offset {@code off} from the pattern's origin. */
    public byte byteAt(long off) {
        return (byte) (wordAt(off >>> 2) >>> ((off & 3) * 8));
    }

    /** Fills {@code out[0..len)} with the bytes at offsets {@code [off, off+len)} from the origin. */
    public void fill(long off, byte[] out, int outOff, int len) {
        int i = 0;
        for (; i < len && ((off + i) & 3) != 0; i++) {
            out[outOff + i] = byteAt(off + i);
        }
        // two words at a time, each pair the last plus twice the slope: pages of data are
        // filled this way on every read, mostly by short runs that never leave the JIT's first
        // tier, where each VarHandle store costs more than the arithmetic
        int w = wordAt((off + i) >>> 2);
        for (; i + 8 <= len; i += 8, w += 2 * slope) {
            LONG_LE.set(out, outOff + i, (w & 0xffffffffL) | (long) (w + slope) << 32);
        }
        for (; i + 4 <= len; i += 4) {
            INT_LE.set(out, outOff + i, wordAt((off + i) >>> 2));
        }
        for (; i < len; i++) {
            out[outOff + i] = byteAt(off + i);
        }
    }

    /**
     * Where {@code data[at..at+len)} first differs from the pattern's bytes at offsets {@code
     * [off, off+len)} from the origin: the index in {@code data}, or -1 when they are the same.
     * Compares two words at a time, as {@link #fill} writes them, without making the bytes.
     */
    public int mismatch(long off, byte[] data, int at, int len) {
        int i = 0;
        for (; i < len && ((off + i) & 3) != 0; i++) {
            if (data[at + i] != byteAt(off + i)) {
                return at + i;
            }
        }
        int w = wordAt((off + i) >>> 2);
        for (; i + 8 <= len; i += 8, w += 2 * slope) {
            if ((long) LONG_LE.get(data, at + i) != ((w & 0xffffffffL) | (long) (w + slope) << 32)) {
                break; // the byte loop below finds which
            }
        }
        for (; i < len; i++) {
            if (data[at + i] != byteAt(off + i)) {
                return at + i;
            }
        }
        return -1;
    }

    private static final java.lang.invoke.VarHandle LONG_LE =
            java.lang.invoke.MethodHandles.byteArrayViewVarHandle(long[].class, java.nio.ByteOrder.LITTLE_ENDIAN);
    private static final java.lang.invoke.VarHandle INT_LE =
            java.lang.invoke.MethodHandles.byteArrayViewVarHandle(int[].class, java.nio.ByteOrder.LITTLE_ENDIAN);
}
