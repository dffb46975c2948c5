package jhmm.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Supplier;
import jhmm.perf.Kind;
import jhmm.perf.host.HostSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Runs each SideBySideBench benchmark's fixtures and call twice on a 4 MiB range, outside JMH,
 * for both kinds and both sides (the host's only where the host can), so that {@code verify}
 * catches a benchmark whose operation fails its checks.
 */
class SideBySideBenchSmokeTest {
    private static final long PAGES = (4L << 20) >>> 12;

    private record Case(String name, Supplier<SideBySideBench.Side> state, BiConsumer<SideBySideBench.Side, Pages> call) {}

    private static final SideBySideBench BENCH = new SideBySideBench();
    private static final List<Case> CASES = List.of(
            new Case("snapshot", SideBySideBench.Snapshot::new, (s, p) -> BENCH.snapshot((SideBySideBench.Snapshot) s, p)),
            new Case("faultIn", SideBySideBench.FaultIn::new, (s, p) -> BENCH.faultIn((SideBySideBench.FaultIn) s, p)),
            new Case("presentWalk", SideBySideBench.PresentWalk::new, (s, p) -> BENCH.presentWalk((SideBySideBench.PresentWalk) s, p)),
            new Case("mprotect", SideBySideBench.Mprotect::new, (s, p) -> BENCH.mprotect((SideBySideBench.Mprotect) s, p)),
            new Case("munmap", SideBySideBench.Munmap::new, (s, p) -> BENCH.munmap((SideBySideBench.Munmap) s, p)));

    private static void smoke(String side, String kind) {
        for (Case c : CASES) {
            SideBySideBench.Side s = c.state().get();
            s.side = side;
            s.kind = kind;
            s.size = "4M";
            Pages counted = new Pages();
            s.open();
            for (int i = 0; i < 2; i++) {
                s.prepare();
                c.call().accept(s, counted);
                s.finish();
            }
            s.close();
            assertThat(counted.pages).as(c.name() + " " + side + " " + kind).isEqualTo(2 * PAGES);
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
        SideBySideBench.Side s = new SideBySideBench.Mprotect();
        s.side = "guest";
        s.kind = "4K";
        s.size = "4M";
        assertThatThrownBy(s::open).hasMessageContaining("side must be model or host");
        s.side = "model";
        s.kind = "2M";
        assertThatThrownBy(s::open).hasMessageContaining("kind must be 4K or THP");
    }
}
