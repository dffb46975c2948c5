package jhmm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** {@code jhmm bench}: the registry, its errors, and thp-migration at tiny sizes (well under a second each). */
class BenchCommandTest {
    @Test
    void listNamesTheEntries() {
        CliRun r = CliRun.of("bench", "--list");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).startsWith("side-by-side ").contains("\nscaling ", "\nfootprint ", "\nthreads ", "\nthp-migration ", "benchmark_thp_migration");
        assertThat(CliRun.of("--help").out()).contains("bench");
    }

    @Test
    void unknownEntryOrBadOptionExitsWithTwo() {
        CliRun unknown = CliRun.of("bench", "thp-migrate");
        assertThat(unknown.exit()).isEqualTo(2);
        assertThat(unknown.err()).isEqualTo("jhmm: unknown bench entry 'thp-migrate' (known: side-by-side, scaling, footprint, threads, thp-migration, sim, sim-oversubscribed)\n");
        assertThat(unknown.out()).isEmpty();
        assertThat(CliRun.of("bench", "--iterations", "0", "thp-migration").exit()).isEqualTo(2);
        CliRun badSize = CliRun.of("bench", "--sizes", "lots", "thp-migration");
        assertThat(badSize.exit()).isEqualTo(2);
        assertThat(badSize.err()).contains("bad SIZE 'lots'");
        assertThat(CliRun.of("bench", "--sizes", "3K", "thp-migration").err()).contains("multiples of 4K");
        CliRun tooBig = CliRun.of("bench", "--sizes", "2M,2G", "thp-migration");
        assertThat(tooBig.exit()).isEqualTo(2);
        assertThat(tooBig.err()).contains("below 2G").doesNotContain("done");
    }

    /** T is a TiB on the command line as in scenario files, never the kernel test's 2 MiB THP. */
    @Test
    void aTerabyteSizeIsATerabyte() {
        CliRun footprint = CliRun.of("bench", "--size", "1T", "footprint");
        assertThat(footprint.exit()).isEqualTo(2);
        assertThat(footprint.err()).contains("bench footprint: ram=1024.1G is too large").doesNotContain("done");
        CliRun migration = CliRun.of("bench", "--sizes", "1T", "thp-migration");
        assertThat(migration.exit()).isEqualTo(2);
        assertThat(migration.err()).contains("below 2G");
    }

    /** An option that none of the entries run reads is refused, not silently ignored. */
    @Test
    void anOptionTheEntryIgnoresIsRefused() {
        CliRun r = CliRun.of("bench", "--iterations", "3", "footprint");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("jhmm: --iterations is not read by footprint (it is an option of thp-migration)\n");
        assertThat(CliRun.of("bench", "--plot", "x.svg", "footprint").err()).contains("--plot is not read by footprint");
    }

    /** Every row of the kernel's table, for each size, with positive times and rates. */
    @Test
    void thpMigrationPrintsTheKernelTable() {
        CliRun r = CliRun.watched("bench", "--iterations", "1", "--sizes", "512K,2M", "thp-migration");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).startsWith("HMM THP Migration Benchmark").contains("System page size: 4096 bytes");
        assertThat(r.out()).contains("=== Small Buffer (0.5 MB) ===", "=== Single THP Size (2.0 MB) ===");
        assertThat(r.out()).contains("after an untimed pass of every run (JVM warm-up)");
        assertThat(r.err()).contains("thp-migration: JVM warm-up done", "thp-migration: Single THP Size (2.0 MB) done");
        // Redirected, stderr stays clean.
        assertThat(CliRun.of("bench", "--iterations", "1", "--sizes", "512K", "--no-warmup", "thp-migration").err()).isEmpty();
        for (String label : List.of("Sys->Dev Migration", "Dev->Sys Migration")) {
            assertPositiveRows(r.out(), label, "ms", 2);
        }
        for (String label : List.of("S->D Throughput", "D->S Throughput")) {
            assertPositiveRows(r.out(), label, "GB/s", 2);
        }
    }

    private static void assertPositiveRows(String out, String label, String unit, int count) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(label)
                + " +\\| ([0-9.]+) " + Pattern.quote(unit) + " +\\| ([0-9.]+) " + Pattern.quote(unit) + " +\\| -?[0-9.]+%$").matcher(out);
        int found = 0;
        while (m.find()) {
            assertThat(Double.parseDouble(m.group(1))).as(label + " with THP").isPositive();
            assertThat(Double.parseDouble(m.group(2))).as(label + " without THP").isPositive();
            found++;
        }
        assertThat(found).as(label + " rows in\n" + out).isEqualTo(count);
    }

    @Test
    void thpMigrationJson() throws IOException {
        CliRun r = CliRun.of("bench", "--json", "--no-warmup", "--iterations", "1", "--sizes", "1M", "thp-migration");
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode entry = new ObjectMapper().readTree(r.out()).get("results").get(0);
        assertThat(entry.get("entry").asText()).isEqualTo("thp-migration");
        assertThat(entry.get("iterations").asInt()).isEqualTo(1);
        assertThat(entry.get("jvmWarmup").asBoolean()).isFalse();
        JsonNode size = entry.get("sizes").get(0);
        assertThat(size.get("name").asText()).isEqualTo("Half THP Size");
        assertThat(size.get("bytes").asLong()).isEqualTo(1L << 20);
        for (String run : List.of("thp", "noThp")) {
            for (String field : List.of("sysToDevMs", "devToSysMs", "sysToDevGBps", "devToSysGBps")) {
                assertThat(size.get(run).get(field).asDouble()).as(run + "." + field).isPositive();
            }
        }
        assertThat(size.get("improvementPercent").has("sysToDev")).isTrue();
    }
}
