package jhmm.base;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PatternTest {
    /** fill writes whole words at a time where it can: at every start and length it must give byteAt's bytes. */
    @Test
    void fillGivesTheSameBytesAsByteAtFromAnyOffset() {
        for (Pattern p : new Pattern[] {Pattern.i32(7), Pattern.negI32(), Pattern.fillByte(0xa5)}) {
            for (long off = 0; off < 9; off++) {
                for (int len = 0; len < 23; len++) {
                    byte[] out = new byte[len + 3];
                    p.fill(0x1000 + off, out, 2, len);
                    for (int i = 0; i < len; i++) {
                        assertThat(out[2 + i]).as("%s off %d len %d byte %d", p, off, len, i).isEqualTo(p.byteAt(0x1000 + off + i));
                    }
                    assertThat(out[0]).isZero();
                    assertThat(out[len + 2]).isZero();
                }
            }
        }
    }
}
