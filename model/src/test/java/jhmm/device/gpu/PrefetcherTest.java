package jhmm.device.gpu;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** nvidia-uvm's tree prefetcher (uvm_perf_prefetch.c): big-page rounding and the 51 % subtree rule. */
class PrefetcherTest {
    private static final int NR = Prefetcher.NR;

    private static int count(boolean[] mask) {
        int n = 0;
        for (boolean b : mask) {
            n += b ? 1 : 0;
        }
        return n;
    }

    @Test
    void aLoneFaultFillsIts64KBigPageAndNoMore() {
        boolean[] faulted = new boolean[NR];
        faulted[5] = true;
        boolean[] add = Prefetcher.mask(faulted, new boolean[NR], 0, NR, 51);
        assertThat(count(add)).isEqualTo(15);
        assertThat(add[0]).isTrue();
        assertThat(add[15]).isTrue();
        assertThat(add[16]).isFalse();
    }

    /** 16 of a 32-page subtree is 50 %, not over 51: nothing beyond the big page. */
    @Test
    void halfASubtreeIsNotEnough() {
        boolean[] resident = new boolean[NR];
        boolean[] faulted = new boolean[NR];
        faulted[16] = true;
        assertThat(count(Prefetcher.mask(faulted, resident, 0, NR, 51))).isEqualTo(15);
    }

    /** Pages 0-31 resident and a fault at 32: 48 of 64 is over 51 %, so the 64-page subtree is taken. */
    @Test
    void overTheThresholdTheLargestSubtreeIsTaken() {
        boolean[] resident = new boolean[NR];
        for (int k = 0; k < 32; k++) {
            resident[k] = true;
        }
        boolean[] faulted = new boolean[NR];
        faulted[32] = true;
        boolean[] add = Prefetcher.mask(faulted, resident, 0, NR, 51);
        assertThat(count(add)).isEqualTo(31); // pages 33-63
        assertThat(add[63]).isTrue();
        assertThat(add[64]).isFalse();
        // a higher threshold keeps it to the big page
        assertThat(count(Prefetcher.mask(faulted, resident, 0, NR, 80))).isEqualTo(15);
    }

    @Test
    void nothingOutsideTheVmaIsAdded() {
        boolean[] faulted = new boolean[NR];
        faulted[5] = true;
        boolean[] add = Prefetcher.mask(faulted, new boolean[NR], 4, 10, 51);
        assertThat(count(add)).isEqualTo(5); // 4, 6, 7, 8, 9
        assertThat(add[3]).isFalse();
    }
}
