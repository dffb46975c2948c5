package jhmm.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Runs {@link ThpMigrationBench}'s trial setup, each benchmark twice with its invocation
 * setup, and the teardown, outside JMH on T/4 and T: a broken migration (a call that does not
 * return 0, a THP that does not form, a device page leaked) fails the build.
 */
class ThpMigrationBenchSmokeTest {
    private static <B extends ThpMigrationBench.Buffer> B sized(B b, String size, String madvise) {
        b.size = size;
        b.madvise = madvise;
        b.setUp();
        return b;
    }

    @ParameterizedTest
    @CsvSource({"T/4, HUGEPAGE", "T/4, NOHUGEPAGE", "T, HUGEPAGE", "T, NOHUGEPAGE"})
    void bothDirections(String size, String madvise) {
        ThpMigrationBench bench = new ThpMigrationBench();
        Pages counted = new Pages();
        ThpMigrationBench.OnSystem sys = sized(new ThpMigrationBench.OnSystem(), size, madvise);
        ThpMigrationBench.OnDevice dev = sized(new ThpMigrationBench.OnDevice(), size, madvise);
        for (int i = 0; i < 2; i++) {
            sys.toSystem();
            bench.migrateToDev(sys, counted);
            dev.toDevice();
            bench.migrateToSys(dev, counted);
        }
        sys.tearDown();
        dev.tearDown();
        long pages = jhmm.selftest.ThpMigrationRun.kernelSize(size) / 4096;
        assertThat(counted.pages).isEqualTo(4 * pages);
    }
}
