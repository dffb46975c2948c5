package jhmm.kernel;

import java.util.Arrays;
import jhmm.base.PageSize;
import jhmm.base.Pattern;

/**
 * What one 4 KiB page holds in the reference model of {@link CpuSideModelPropertyTest}:
 * zeros, a pattern placed at some offset, or explicit bytes. Immutable, so that copies of a
 * page (fork, mremap) can share it.
 */
sealed interface RefContent {
    int PAGE = (int) PageSize.PAGE_SIZE;
    RefContent ZERO = new Zero();

    byte byteAt(int off);

    /** True when {@code buf[bufOff..bufOff+len)} equals bytes {@code [pageOff, pageOff+len)} of this page. */
    default boolean matches(byte[] buf, int bufOff, int pageOff, int len) {
        for (int i = 0; i < len; i++) {
            if (buf[bufOff + i] != byteAt(pageOff + i)) {
                return false;
            }
        }
        return true;
    }

    /** This page after CPU stores of {@code p} over {@code [off, off+len)}; byte 0 of the page sits at {@code pageOrigin} of the pattern. */
    default RefContent write(int off, int len, Pattern p, long pageOrigin) {
        if (off == 0 && len == PAGE) {
            return new Pat(p, pageOrigin);
        }
        byte[] b = new byte[PAGE];
        for (int i = 0; i < PAGE; i++) {
            b[i] = byteAt(i);
        }
        p.fill(pageOrigin + off, b, off, len);
        return new Bytes(b);
    }

    record Zero() implements RefContent {
        @Override
        public byte byteAt(int off) {
            return 0;
        }

        @Override
        public String toString() {
            return "zero";
        }
    }

    /** Byte {@code i} of the page is byte {@code origin + i} of the pattern. */
    record Pat(Pattern p, long origin) implements RefContent {
        @Override
        public byte byteAt(int off) {
            return p.byteAt(origin + off);
        }

        @Override
        public String toString() {
            return p + "@" + origin;
        }
    }

    record Bytes(byte[] b) implements RefContent {
        @Override
        public byte byteAt(int off) {
            return b[off];
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Bytes other && Arrays.equals(b, other.b);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(b);
        }

        @Override
        public String toString() {
            return "bytes[" + b[0] + "," + b[1] + ",...]";
        }
    }
}
