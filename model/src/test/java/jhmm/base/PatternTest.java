package jhmm.base;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PatternTest {
    /**
     * fill writes two words at a time where it can: at every start and length it must give
     * byteAt's bytes, also where the word index passes 2^32 (the word wraps as an int there).
     */
    @Test
    void fillGivesTheSameBytesAsByteAtFromAnyOffset() {
        for (Pattern p : new Pattern[] {Pattern.i32(7), Pattern.negI32(), Pattern.fillByte(0xa5)}) {
            for (long base : new long[] {0x1000, (1L << 34) - 12}) {
                for (long off = 0; off < 9; off++) {
                    for (int len = 0; len < 31; len++) {
                        byte[] out = new byte[len + 3];
                        p.fill(base + off, out, 2, len);
                        for (int i = 0; i < len; i++) {
                            assertThat(out[2 + i]).as("%s at %#x len %d byte %d", p, base + off, len, i).isEqualTo(p.byteAt(base + off + i));
                        }
                        assertThat(out[0]).isZero();
                        assertThat(out[len + 2]).isZero();
                    }
                }
            }
        }
    }

    /** mismatch finds the first differing byte wherever it is (before, inside or after the two-word stretch), and -1 for none. */
    @Test
    void mismatchFindsTheFirstDifferingByte() {
        for (Pattern p : new Pattern[] {Pattern.i32(3), Pattern.negI32(), Pattern.fillByte(7)}) {
            for (long off = 0x2000; off < 0x2009; off++) {
                for (int len = 0; len < 27; len++) {
                    byte[] data = new byte[len + 4];
                    p.fill(off, data, 1, len);
                    assertThat(p.mismatch(off, data, 1, len)).isEqualTo(-1);
                    for (int bad = 0; bad < len; bad++) {
                        data[1 + bad] ^= 0x10;
                        assertThat(p.mismatch(off, data, 1, len)).as("%s at %#x len %d bad %d", p, off, len, bad).isEqualTo(1 + bad);
                        data[1 + bad] ^= 0x10;
                    }
                }
            }
        }
    }
}
