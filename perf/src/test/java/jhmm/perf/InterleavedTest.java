package jhmm.perf;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import jhmm.perf.host.HostSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Every operation end to end on a small range: both sides where the host can, the model alone where not. */
class InterleavedTest {
    private static final long LEN = 4L << 20;

    @ParameterizedTest
    @EnumSource(Operation.class)
    void everyOperationMeasuresBothKinds(Operation op) {
        HostSupport host = HostSupport.probe();
        for (Kind kind : Kind.values()) {
            Comparison c = Interleaved.compare(op, kind, LEN, host.reason(kind), 1, 3);
            assertThat(c.modelNsPerPage()).as(op + " " + kind + " model").isPositive();
            assertThat(c.hasHost()).isEqualTo(host.reason(kind) == null);
            if (c.hasHost()) {
                assertThat(c.hostNsPerPage()).as(op + " " + kind + " host").isPositive();
                assertThat(c.ratio()).isPositive();
            }
        }
    }

    @Test
    void modelAloneWhenTheHostHasAReason() {
        List<String> progress = new ArrayList<>();
        List<Comparison> rows = SideBySide.run(LEN, List.of(Operation.MPROTECT), 1, new HostSupport("host is Plan 9, not Linux", null, 0, null), progress::add);
        assertThat(rows).extracting(Comparison::kind).containsExactly(Kind.PAGE_4K, Kind.THP);
        assertThat(rows).allSatisfy(r -> {
            assertThat(r.hasHost()).isFalse();
            assertThat(r.hostMissing()).contains("not Linux");
            assertThat(r.modelNsPerPage()).isPositive();
        });
        assertThat(progress).containsExactly("mprotect 4K done", "mprotect THP done");
    }

    @Test
    void scalingRoundsGetFewerAsRangesGrow() {
        assertThat(Scaling.reps(1L << 20, 7)).isEqualTo(7);
        assertThat(Scaling.reps(4L << 30, 7)).isEqualTo(4);
        assertThat(Scaling.reps(64L << 30, 7)).isEqualTo(1);
    }

    @Test
    void sizes() {
        assertThat(RangeSize.parse("1G")).isEqualTo(1L << 30);
        assertThat(RangeSize.parse("64M")).isEqualTo(64L << 20);
        assertThat(RangeSize.parse("1T")).as("T is a TiB").isEqualTo(1L << 40);
        assertThat(RangeSize.format(1L << 30)).isEqualTo("1G");
        assertThat(RangeSize.format(1536L << 20)).isEqualTo("1536M");
        assertThat(RangeSize.format(64L << 30)).isEqualTo("64G");
        for (String bad : List.of("3M", "0", "lots", "2048G", "64m", "T")) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> RangeSize.parse(bad)).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
