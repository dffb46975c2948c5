package jhmm.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Runs {@link ThreadsBench}'s trial setup, the benchmark twice and the teardown outside JMH on
 * a 4 MiB range, from 1 and from 2 threads, in one process and on a machine per half: a half
 * left mapped or resident fails the build.
 */
class ThreadsBenchSmokeTest {
    @ParameterizedTest
    @CsvSource({"1, shared", "2, shared", "1, apart", "2, apart"})
    void bothHalvesGoEachRound(int threads, String layout) {
        ThreadsBench b = new ThreadsBench();
        b.threads = threads;
        b.layout = layout;
        b.size = "4M";
        b.setUp();
        for (int i = 0; i < 2; i++) {
            assertThat(b.populateAndUnmapHalves()).isPositive();
        }
        b.tearDown();
    }
}
