package jhmm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MainTest {
    private static final String GOOD = "process p\np mmap buf 1p rw anon-private\np read buf 0 4\nexpect data=zero\n";
    private static final String BAD = "process p\np mmap buf 1p rw anon-private\np read buf 0 4\nexpect data=i32+1\n";

    @TempDir
    private Path dir;

    private record Run(int exit, String out, String err) {}

    private static Run jhmm(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Main.execute(new PrintWriter(out), new PrintWriter(err), args);
        return new Run(exit, out.toString(), err.toString());
    }

    private String file(String name, String text) throws IOException {
        Path p = dir.resolve(name);
        Files.createDirectories(p.getParent());
        Files.writeString(p, text);
        return p.toString();
    }

    @Test
    void versionAndHelp() {
        assertThat(jhmm("--version")).satisfies(r -> {
            assertThat(r.exit()).isZero();
            assertThat(r.out()).startsWith("jhmm 0.");
        });
        assertThat(jhmm("--help")).satisfies(r -> {
            assertThat(r.exit()).isZero();
            assertThat(r.out()).contains("Usage: jhmm", "run");
        });
        assertThat(jhmm("run", "--help").out()).contains("--json", "--check-always", "FILE|DIR");
    }

    @Test
    void usageErrorsExitWithTwo() {
        assertThat(jhmm().exit()).isEqualTo(2);
        assertThat(jhmm("run").exit()).isEqualTo(2);
        assertThat(jhmm("frobnicate").exit()).isEqualTo(2);
        Run missing = jhmm("run", dir.resolve("nope.scn").toString());
        assertThat(missing.exit()).isEqualTo(2);
        assertThat(missing.err()).isEqualTo("jhmm: " + dir.resolve("nope.scn") + ": no such file or directory\n");
        assertThat(jhmm("run", dir.toString()).err()).contains("no *.scn files");
    }

    @Test
    void passingRun() throws IOException {
        String good = file("good.scn", GOOD);
        Run r = jhmm("run", good);
        assertThat(r.exit()).isZero();
        assertThat(r.out()).isEqualTo("PASS " + good + "\n1 passed, 0 failed\n");
    }

    @Test
    void failingRunNamesFileLineExpectedAndActual() throws IOException {
        String good = file("a/good.scn", GOOD);
        String bad = file("b/bad.scn", BAD);
        Run r = jhmm("run", "--check-always", dir.toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).isEqualTo("PASS " + good + "\n"
                + bad + ":4: expected data=i32+1, got 0x00000000 at offset 0x0 where the pattern has 0x00000001"
                + " (1 of 4 bytes differ)\n"
                + "FAIL " + bad + "\n"
                + "1 passed, 1 failed\n");
    }

    @Test
    void parseErrorsExitWithTwoAfterRunningTheOtherFiles() throws IOException {
        String broken = file("broken.scn", "process p\np mmap buf 1p rw anon-privat\n");
        String good = file("good.scn", GOOD);
        Run r = jhmm("run", broken, good);
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.out()).startsWith(broken + ":2: unknown word 'anon-privat' after 'p mmap buf 1p rw' (expected KIND")
                .contains("FAIL " + broken, "PASS " + good)
                .endsWith("1 passed, 1 failed\n");
    }

    @Test
    void jsonReport() throws IOException {
        String good = file("good.scn", GOOD);
        String bad = file("bad.scn", BAD);
        Run r = jhmm("run", "--json", good, bad);
        assertThat(r.exit()).isEqualTo(1);
        JsonNode root = new ObjectMapper().readTree(r.out());
        assertThat(root.get("passed").asInt()).isEqualTo(1);
        assertThat(root.get("failed").asInt()).isEqualTo(1);
        JsonNode files = root.get("files");
        assertThat(files.get(0).get("name").asText()).isEqualTo(good);
        assertThat(files.get(0).get("passed").asBoolean()).isTrue();
        JsonNode failure = files.get(1).get("failures").get(0);
        assertThat(failure.get("line").asInt()).isEqualTo(4);
        assertThat(failure.get("expected").asText()).isEqualTo("data=i32+1");
        assertThat(failure.get("actual").asText()).startsWith("0x00000000 at offset 0x0");
        assertThat(files.get(1).get("parseError").asBoolean()).isFalse();
    }

    @Test
    void jsonReportOfAParseErrorHasTheMessageOnly() throws IOException {
        String broken = file("broken.scn", "flurb\n");
        JsonNode failure = new ObjectMapper().readTree(jhmm("run", "--json", broken).out())
                .get("files").get(0).get("failures").get(0);
        assertThat(failure.get("line").asInt()).isEqualTo(1);
        assertThat(failure.get("message").asText()).startsWith("unknown word 'flurb'");
        assertThat(failure.has("expected")).isFalse();
    }

    @Test
    void compareHonoursItsSwitchesAndRejectsABadSize() throws IOException {
        Run run = jhmm("compare", "--size", "8M", "--no-iommu", "--no-thp", "--json");
        assertThat(run.exit()).isZero();
        JsonNode paths = new ObjectMapper().readTree(run.out());
        assertThat(paths).hasSize(5);
        for (JsonNode path : paths) {
            assertThat(path.get("figures").get("IOMMU leaves").asLong()).as(path.get("path").asText()).isZero();
        }
        // without THP the core maps every 4 KiB page on its own
        assertThat(paths.get(4).get("figures").get("DMA entries").asLong()).isGreaterThanOrEqualTo(8L * 256);
        assertThat(jhmm("compare", "--size", "3M").exit()).isEqualTo(2);
    }
}
