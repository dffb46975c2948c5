package jhmm.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import jhmm.diff.host.HostSession;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code jhmm diff}: exit codes, the text and JSON reports, random mode. */
class DiffCommandTest {
    @TempDir
    Path dir;

    @BeforeEach
    void onLinuxX86() {
        assumeTrue(HostSession.unavailable().isEmpty(), () -> "no host side: " + HostSession.unavailable().orElseThrow());
    }

    private Path scenario(String name, String text) throws Exception {
        Path f = dir.resolve(name);
        Files.writeString(f, text);
        return f;
    }

    @Test
    void agreeingFileExitsZeroWithASummary() throws Exception {
        Path f = scenario("a.scn", "machine ram=256M\nprocess p\np mmap buf 4p rw anon-private\np write buf 0 2p i32\n");
        CliRun r = CliRun.of("diff", f.toString());
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).startsWith("host: Linux ").contains("AGREE " + f + " (3 commands)")
                .endsWith("1 agree, 0 diverge, 0 not comparable, 0 errors\n");
    }

    /** A GPU line has no host counterpart: the comparison stops there, as for the other devices, instead of an error. */
    @Test
    void aGpuCommandEndsTheComparisonWithItsReason() throws Exception {
        Path f = scenario("g.scn", "machine ram=256M\nprocess p\np mmap buf 4p rw anon-private\np write buf 0 2p i32\n"
                + "device g gpu\ng open p\n");
        CliRun r = CliRun.of("diff", f.toString());
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("AGREE " + f + " (3 commands); line 5: a GPU command; compared up to there");
    }

    @Test
    void divergingFileExitsOneAndJsonNamesLineCommandAndBothSides() throws Exception {
        Path f = scenario("d.scn", "machine ram=16M\nprocess p\np mmap buf 64M rw anon-private\n");
        CliRun r = CliRun.of("diff", "--json", f.toString());
        assertThat(r.exit()).isEqualTo(1);
        JsonNode file = new ObjectMapper().readTree(r.out()).get("files").get(0);
        assertThat(file.get("status").asText()).isEqualTo("diverge");
        assertThat(file.get("line").asInt()).isEqualTo(3);
        assertThat(file.get("command").asText()).isEqualTo("p mmap buf 64M rw anon-private");
        assertThat(file.get("model").asText()).isEqualTo("ENOMEM");
        assertThat(file.get("host").asText()).isEqualTo("ok");
    }

    @Test
    void badFileExitsTwoAndTheOthersStillRun() throws Exception {
        Path bad = scenario("a-bad.scn", "process p\np mmap\n");
        Path good = scenario("b-good.scn", "machine ram=256M\nprocess p\n");
        CliRun r = CliRun.of("diff", bad.toString(), good.toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.out()).contains("BAD INPUT " + bad + ":2:", "AGREE " + good);
        assertThat(CliRun.of("diff").exit()).isEqualTo(2);
        assertThat(CliRun.of("diff", dir.resolve("missing.scn").toString()).exit()).isEqualTo(2);
    }

    @Test
    void randomCasesAreCountedAndDivergingOnesWrittenAsScenarios() throws Exception {
        Path out = dir.resolve("cases");
        CliRun r = CliRun.of("diff", "--json", "--random", "3", "--seed", "5", "--no-shrink", "--out", out.toString());
        JsonNode random = new ObjectMapper().readTree(r.out()).get("random");
        assertThat(random.get("cases").asInt()).isEqualTo(3);
        int diverged = random.get("diverged").size();
        assertThat(random.get("agreed").asInt() + diverged + random.get("errors").size()).isEqualTo(3);
        assertThat(r.exit()).isEqualTo(diverged == 0 ? 0 : 1);
        for (JsonNode c : random.get("diverged")) {
            Path written = Path.of(c.get("file").asText());
            assertThat(Files.readString(written)).startsWith("# jhmm diff --random: seed " + c.get("seed").asLong());
        }
    }
}
