package jhmm.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Runs {@link ThreadsBench}'s trial setup, the benchmark twice and the teardown outside JMH on
 * a 4 MiB range, from 1 and from 2 threads: a half left mapped or resident fails the build.
 */
class ThreadsBenchSmokeTest {
    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void bothHalvesGoEachRound(int threads) {
        ThreadsBench b = new ThreadsBench();
        b.threads = threads;
        b.size = "4M";
        b.setUp();
        for (int i = 0; i < 2; i++) {
            assertThat(b.populateAndUnmapHalves()).isPositive();
        }
        b.tearDown();
    }
}
