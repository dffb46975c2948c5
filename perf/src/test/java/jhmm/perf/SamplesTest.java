package jhmm.perf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** The runner's arithmetic: medians, per-page figures, ratios and targets. */
class SamplesTest {
    @Test
    void medianOfOddAndEvenCounts() {
        assertThat(Samples.median(new long[] {9, 1, 5})).isEqualTo(5.0);
        assertThat(Samples.median(new long[] {40, 10, 30, 20})).isEqualTo(25.0);
        assertThat(Samples.median(new long[] {7})).isEqualTo(7.0);
        assertThatThrownBy(() -> Samples.median(new long[0])).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void medianLeavesTheSamplesInTheirOrder() {
        long[] s = {3, 1, 2};
        Samples.median(s);
        assertThat(s).containsExactly(3, 1, 2);
    }

    @Test
    void perPageAndRatio() {
        assertThat(Samples.perPage(new long[] {1000, 3000, 2000}, 100)).isEqualTo(20.0);
        assertThat(Samples.ratio(5, 20)).isEqualTo(0.25);
        assertThat(Samples.ratio(5, Double.NaN)).isNaN();
        assertThat(Samples.ratio(5, 0)).isNaN();
    }

    @Test
    void comparisonMeetsItsOperationsTarget() {
        Comparison snap = new Comparison(Operation.SNAPSHOT, Kind.PAGE_4K, 1 << 30, 5, 10, null, null);
        assertThat(snap.ratio()).isCloseTo(0.5, within(1e-12));
        assertThat(snap.met()).isTrue();
        Comparison fault = new Comparison(Operation.FAULT_IN, Kind.THP, 1 << 30, 20, 100, null, null);
        assertThat(fault.ratio()).isCloseTo(0.2, within(1e-12));
        assertThat(fault.met()).as("fault-in's target is 0.1").isFalse();
        Comparison noHost = new Comparison(Operation.MUNMAP, Kind.THP, 1 << 30, 2, Double.NaN, "not Linux", null);
        assertThat(noHost.hasHost()).isFalse();
        assertThat(noHost.met()).isFalse();
    }
}
