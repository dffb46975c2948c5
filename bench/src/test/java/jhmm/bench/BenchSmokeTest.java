package jhmm.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.function.ToIntFunction;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Runs each benchmark's setup, operation and teardown once on a 4 MiB range, outside JMH:
 * milliseconds, so that {@code verify} catches a benchmark whose operation fails or whose
 * range is not backed as its kind says. The benchmarks themselves run only from the jar.
 */
class BenchSmokeTest {
    private static final String SIZE = "4M";
    private static final long PAGES = (4L << 20) >>> 12;

    private static <T extends RangeState> T sized(T s, String kind) {
        s.kind = kind;
        s.size = SIZE;
        return s;
    }

    /** Setup, {@code times} operations (each must return 0), teardown; returns the pages counted. */
    private static long run(Runnable setUp, ToIntFunction<Pages> op, int times, Runnable tearDown) {
        Pages counted = new Pages();
        setUp.run();
        for (int i = 0; i < times; i++) {
            assertThat(op.applyAsInt(counted)).isZero();
        }
        tearDown.run();
        return counted.pages;
    }

    @ParameterizedTest
    @ValueSource(strings = {"4K", "THP"})
    void faultIn(String kind) {
        FaultInBench b = sized(new FaultInBench(), kind);
        assertThat(run(b::setUp, b::populateWrite, 1, b::tearDown)).isEqualTo(PAGES);
    }

    @ParameterizedTest
    @ValueSource(strings = {"4K", "THP"})
    void walkTwice(String kind) {
        WalkBench b = sized(new WalkBench(), kind);
        assertThat(run(b::setUp, b::populateRead, 2, b::tearDown)).isEqualTo(2 * PAGES);
    }

    @ParameterizedTest
    @ValueSource(strings = {"4K", "THP"})
    void munmap(String kind) {
        MunmapBench b = sized(new MunmapBench(), kind);
        assertThat(run(b::setUp, b::munmap, 1, b::tearDown)).isEqualTo(PAGES);
    }
}
