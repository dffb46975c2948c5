package jhmm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import jhmm.perf.host.HostSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code jhmm bench} side-by-side, scaling and footprint on tiny ranges: their options, errors, text and JSON. */
class BenchVsHostTest {
    private static final String[] OPS = {"snapshot", "fault-in", "pin", "populate-read", "mprotect", "munmap"};

    @Test
    void badOptionValuesAreOneLineUsageErrors() {
        List<CliRun> bad = new ArrayList<>();
        bad.add(CliRun.of("bench", "--size", "3M"));
        bad.add(CliRun.of("bench", "--size", "lots"));
        bad.add(CliRun.of("bench", "--ops", "snapshot,teleport"));
        bad.add(CliRun.of("bench", "--repeat", "0"));
        bad.add(CliRun.of("bench", "--repeat", "x"));
        bad.add(CliRun.of("bench", "--plot", "curves.pdf", "scaling"));
        bad.add(CliRun.of("bench", "--plot", "curves.png"));
        bad.add(CliRun.of("bench", "--sizes", "3K", "--repeat", "1", "scaling"));
        bad.add(CliRun.of("bench", "--plot", "/nonexistent/jhmm/curves.svg", "scaling"));
        for (CliRun r : bad) {
            assertThat(r.exit()).as(r.err()).isEqualTo(2);
            assertThat(r.err().lines()).as(r.err()).singleElement().asString().startsWith("jhmm: ").doesNotContain("Exception");
            assertThat(r.out()).isEmpty();
        }
        assertThat(bad.get(0).err()).contains("multiples of 2M");
        assertThat(bad.get(2).err()).contains("unknown operation 'teleport'", "fault-in, pin, populate-read");
        assertThat(bad.get(3).err()).contains("repeat must be positive");
        assertThat(bad.get(5).err()).contains(".png or .svg");
        assertThat(bad.get(6).err()).contains("--plot is not read by side-by-side (it is an option of scaling)");
        assertThat(bad.get(8).err()).contains("no directory /nonexistent/jhmm");
    }

    /** Without an entry: every operation for both kinds, each row with its ratio (or why not), and the legend. */
    @Test
    void defaultIsTheSideBySideTable() {
        CliRun r = CliRun.watched("bench", "--size", "4M", "--repeat", "1");
        assertThat(r.exit()).as(r.err()).isZero();
        boolean host = HostSupport.probe().reason() == null;
        for (String op : OPS) {
            for (String kind : List.of("4K", "THP")) {
                String row = r.out().lines().filter(l -> l.startsWith(String.format("%-14s %-4s ", op, kind))).findFirst().orElseThrow(
                        () -> new AssertionError(op + " " + kind + " row missing in\n" + r.out()));
                assertThat(row).contains("4M");
                if (host && HostSupport.probe().reason(kind.equals("THP") ? jhmm.perf.Kind.THP : jhmm.perf.Kind.PAGE_4K) == null) {
                    assertThat(row).matches(".* [0-9.]+ +[0-9.]+ +[0-9.]+ +<=0\\.[15] +(met|missed).*");
                } else {
                    assertThat(row).contains("n/a (");
                }
            }
            assertThat(r.out()).contains("  " + String.format("%-14s", op) + " model: ");
        }
        assertThat(r.err()).contains("side-by-side: munmap THP done");
    }

    @Test
    void sideBySideJson() throws IOException {
        CliRun r = CliRun.of("bench", "--json", "--size", "4M", "--repeat", "1", "--ops", "mprotect,munmap");
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode entry = new ObjectMapper().readTree(r.out()).get("results").get(0);
        assertThat(entry.get("entry").asText()).isEqualTo("side-by-side");
        assertThat(entry.get("sizeBytes").asLong()).isEqualTo(4L << 20);
        assertThat(entry.get("repeat").asInt()).isEqualTo(1);
        assertThat(entry.get("modelWarmupNanos").asLong()).as("the model's warm-up, in run time").isEqualTo(300_000_000L);
        assertThat(entry.get("host").has("kernel")).isTrue();
        JsonNode rows = entry.get("rows");
        assertThat(rows).hasSize(4);
        List<String> seen = new ArrayList<>();
        for (JsonNode row : rows) {
            seen.add(row.get("operation").asText() + " " + row.get("kind").asText());
            assertThat(row.get("modelNsPerPage").asDouble()).isPositive();
            assertThat(row.get("target").asDouble()).isEqualTo(0.5);
            if (row.get("hostNsPerPage").isNull()) {
                assertThat(row.get("ratio").isNull()).isTrue();
                assertThat(row.get("hostMissing").asText()).isNotEmpty();
            } else {
                assertThat(row.get("ratio").asDouble()).isCloseTo(row.get("modelNsPerPage").asDouble() / row.get("hostNsPerPage").asDouble(),
                        org.assertj.core.api.Assertions.within(1e-9));
                assertThat(row.get("met").asBoolean()).isEqualTo(row.get("ratio").asDouble() <= 0.5);
            }
        }
        assertThat(seen).containsExactly("mprotect 4K", "mprotect THP", "munmap 4K", "munmap THP");
    }

    /**
     * The threads row: every side's 1-thread and 2-thread times and the scaling each gets, as
     * text and as JSON, for populate + munmap and again for the faults alone.
     */
    @Test
    void threadsRowPrintsBothScalings() throws IOException {
        CliRun r = CliRun.of("bench", "--size", "4M", "--repeat", "1", "threads");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).startsWith("jhmm threads: MADV_POPULATE_WRITE + munmap of 4M of 4 KiB pages in 2 halves");
        String sides = "model +[0-9.]+ +[0-9.]+ +[0-9.]+x \\((met|missed)\\)\\n"
                + "model apart +[0-9.]+ +[0-9.]+ +[0-9.]+x\\n" // the control: a machine per half
                + "host +([0-9.]+ +[0-9.]+ +[0-9.]+x|- +- +not run: .+)\\n";
        assertThat(r.out()).containsPattern("scaling\\n" + sides + "faults alone \\(the munmaps after the clock stops\\):\\n" + sides);
        CliRun json = CliRun.of("bench", "--json", "--size", "4M", "--repeat", "1", "threads");
        assertThat(json.exit()).as(json.err()).isZero();
        JsonNode entry = new ObjectMapper().readTree(json.out()).get("results").get(0);
        assertThat(entry.get("entry").asText()).isEqualTo("threads");
        for (JsonNode group : List.of(entry, entry.get("faultsOnly"))) {
            JsonNode model = group.get("model");
            assertThat(model.get("scaling").asDouble()).isCloseTo(model.get("oneThreadNanos").asDouble() / model.get("twoThreadsNanos").asDouble(),
                    org.assertj.core.api.Assertions.within(1e-9));
            assertThat(model.get("met").asBoolean()).isEqualTo(model.get("scaling").asDouble() >= 1.6);
            JsonNode apart = group.get("modelApart");
            assertThat(apart.get("scaling").asDouble()).isCloseTo(apart.get("oneThreadNanos").asDouble() / apart.get("twoThreadsNanos").asDouble(),
                    org.assertj.core.api.Assertions.within(1e-9));
            assertThat(group.get("host").has("kernel")).isTrue();
        }
    }

    @Test
    void scalingTableAndPlots(@TempDir Path dir) throws IOException {
        for (String name : List.of("curves.png", "curves.svg")) {
            Path plot = dir.resolve(name);
            CliRun r = CliRun.of("bench", "--sizes", "1M,2M,4M", "--repeat", "1", "--ops", "mprotect", "--plot", plot.toString(), "scaling");
            assertThat(r.exit()).as(r.err()).isZero();
            assertThat(r.out()).startsWith("jhmm scaling");
            assertThat(r.out().lines().filter(l -> l.matches("mprotect +(4K +1M|4K +2M|4K +4M|THP +2M|THP +4M) .* (met|missed).*"))).hasSize(5);
            assertThat(r.out()).containsPattern("mprotect +THP +1M +n/a +n/a +n/a .*THP needs a multiple of 2M");
            assertThat(Files.size(plot)).as(name).isPositive();
            byte[] head = Files.readAllBytes(plot);
            if (name.endsWith(".png")) {
                assertThat(new String(head, 1, 3, java.nio.charset.StandardCharsets.ISO_8859_1)).isEqualTo("PNG");
            } else {
                assertThat(new String(head, java.nio.charset.StandardCharsets.UTF_8)).contains("<svg");
            }
        }
    }

    @Test
    void footprintJson() throws IOException {
        CliRun r = CliRun.of("bench", "--json", "--size", "16M", "footprint");
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode entry = new ObjectMapper().readTree(r.out()).get("results").get(0);
        assertThat(entry.get("entry").asText()).isEqualTo("footprint");
        assertThat(entry.get("rows")).hasSize(2);
        for (JsonNode row : entry.get("rows")) {
            assertThat(row.get("residentPages").asLong()).isEqualTo(4096);
            assertThat(row.get("frames").asLong()).isEqualTo((16L << 20 >>> 12) + (64L << 20 >>> 12));
            assertThat(row.get("bytesPerResidentPage").asDouble()).isPositive();
            assertThat(row.has("fitsMaxHeap")).isTrue();
        }
    }
}
