package jhmm.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import jhmm.perf.Kind;
import jhmm.perf.Operation;
import jhmm.perf.host.HostSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Runs SideBySideBench's fixtures and call twice on a 4 MiB range, outside JMH, for every
 * operation, both kinds and both sides (the host's only where the host can), so that
 * {@code verify} catches a benchmark whose operation fails its checks.
 */
class SideBySideBenchSmokeTest {
    private static final long PAGES = (4L << 20) >>> 12;

    private static SideBySideBench bench(String op, String side, String kind) {
        SideBySideBench b = new SideBySideBench();
        b.op = op;
        b.side = side;
        b.kind = kind;
        b.size = "4M";
        return b;
    }

    private static void smoke(String side, String kind) {
        for (Operation op : Operation.values()) {
            SideBySideBench b = bench(op.label(), side, kind);
            Pages counted = new Pages();
            b.open();
            for (int i = 0; i < 2; i++) {
                b.prepare();
                b.operation(counted);
                b.finish();
            }
            b.close();
            assertThat(counted.pages).as(op + " " + side + " " + kind).isEqualTo(2 * PAGES);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"4K", "THP"})
    void model(String kind) {
        smoke("model", kind);
    }

    @ParameterizedTest
    @ValueSource(strings = {"4K", "THP"})
    void host(String kind) {
        String why = HostSupport.probe().reason(Kind.parse(kind));
        assumeTrue(why == null, () -> "host side unavailable: " + why);
        smoke("host", kind);
    }

    @Test
    void badParametersStopTheTrial() {
        assertThatThrownBy(bench("mprotect", "guest", "4K")::open).hasMessageContaining("side must be model or host");
        assertThatThrownBy(bench("mprotect", "model", "2M")::open).hasMessageContaining("kind must be 4K or THP");
        assertThatThrownBy(bench("teleport", "model", "4K")::open).hasMessageContaining("unknown operation");
    }
}
