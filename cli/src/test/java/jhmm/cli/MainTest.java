package jhmm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
        assertThat(jhmm("run", "--help").out()).contains("--json", "--check-always", "--trace", "FILE|DIR");
    }

    /** The list of commands shows each one's summary whole, and every exit code is explained. */
    @Test
    void helpListsWholeSummariesExitCodesAndTheHeapBound() {
        Run help = jhmm("--help");
        String commands = help.out().substring(help.out().indexOf("Commands:\n") + 10, help.out().indexOf("\nExit codes:"));
        List<String> summaries = List.of(commands.replaceAll("\n {13}", " ").stripTrailing().split("\n"));
        assertThat(summaries).hasSize(7).allSatisfy(s -> assertThat(s).matches("  [a-z]+ +[A-Z].*\\."));
        assertThat(help.out()).contains("\n  0   all went well", "\n  1   a check failed", "\n  2   bad input", "\n  3   an internal error",
                "JHMM_HEAP", "JAVA_OPTS=-Xmx16g", "each GiB of\nheap holds 32G");
        assertThat(jhmm("help").out()).isEqualTo(help.out());
        for (String command : List.of("run", "diff", "bench", "compare", "sim", "stress")) {
            Run one = jhmm("help", command);
            assertThat(one.exit()).isZero();
            assertThat(one.out()).as(command).isEqualTo(jhmm(command, "--help").out()).contains("Exit codes:", "\n  3   an internal error");
        }
        assertThat(jhmm("help", "nope").exit()).isEqualTo(2);
    }

    /** The heap note is computed from the heap: 1 GiB holds 32G (64 bytes a page in half the heap). */
    /** A command line that starts with a command gets that command alone; anything else gets them all. */
    @Test
    void onlyTheNamedCommandIsBuilt() {
        assertThat(Main.subcommandsFor("run", "x.scn")).containsExactly(RunCommand.class);
        assertThat(Main.subcommandsFor("sim", "stream-read")).containsExactly(SimCommand.class);
        assertThat(Main.subcommandsFor("help", "run")).as("help needs the command it explains").hasSize(7);
        assertThat(Main.subcommandsFor("--help")).hasSize(7);
        assertThat(Main.subcommandsFor("rnu")).as("a typo: not a command").hasSize(7);
        assertThat(Main.subcommandsFor()).hasSize(7);
        assertThat(jhmm("help", "bench").out()).contains("Usage: jhmm bench");
        assertThat(jhmm("rnu").err()).isEqualTo("jhmm: Unmatched argument at index 0: 'rnu' (see 'jhmm --help')\n");
    }

    /** Files run at once print as they would one after the other: in order, each whole, the same exit code. */
    @Test
    void filesRunAtOncePrintInOrder() throws IOException {
        for (int i = 0; i < 6; i++) {
            file("many/" + i + "-good.scn", GOOD);
            file("many/" + i + "-bad.scn", BAD);
        }
        file("many/7-typo.scn", "process p\np mmapp buf 1p rw anon-private\n");
        String many = dir.resolve("many").toString();
        for (String mode : List.of("--trace", "--json", "--check-always")) {
            Run one = jhmm("run", "--jobs", "1", mode, many);
            Run four = jhmm("run", "--jobs", "4", mode, many);
            assertThat(four).as(mode).isEqualTo(one);
            assertThat(one.exit()).isEqualTo(2);
        }
        assertThat(jhmm("run", "--jobs", "1", many).out()).contains("FAIL", "PASS", "mmapp");
        Run zero = jhmm("run", "--jobs", "0", many);
        assertThat(zero.exit()).isEqualTo(2);
        assertThat(zero.err()).contains("--jobs must be at least 1, not 0");
    }

    @Test
    void theMemoryNoteGivesTheBoundOfTheHeap() {
        assertThat(Main.memoryNote(new jhmm.phys.PageBudget(4L << 30))).contains("maximum heap is 4G", "holds a machine below 128G");
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

    /** One bad file, however it is bad, once stopped the whole run (an internal error, no summary). */
    @Test
    void everyFileRunsAndTheSummaryComesOutWhateverAnotherFileDid() throws IOException {
        String reused = file("a-reused.scn", GOOD + "p mmap buf 1p rw anon-private\n");
        String huge = file("b-huge.scn", "machine ram=4095G\n" + GOOD);
        String tooLong = file("c-long.scn", "# " + "x".repeat(5 << 20) + "\n");
        String empty = file("d-empty.scn", "");
        String good = file("e-good.scn", GOOD);
        Run r = jhmm("run", reused, huge, tooLong, empty, good);
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).isEmpty();
        assertThat(r.out()).contains(
                reused + ":5: mapping 'buf' of process 'p' already exists",
                huge + ":1: ram=4095G is too large",
                tooLong + ": cannot read: more than 4M (a scenario is a text file of commands)",
                empty + ": has no commands",
                "FAIL " + reused, "FAIL " + huge, "FAIL " + tooLong, "FAIL " + empty, "PASS " + good)
                .endsWith("1 passed, 4 failed\n");
        JsonNode files = new ObjectMapper().readTree(jhmm("run", "--json", reused, huge, good).out()).get("files");
        assertThat(files).hasSize(3);
        assertThat(files.get(0).get("parseError").asBoolean()).isTrue();
        assertThat(files.get(1).get("parseError").asBoolean()).isTrue();
        assertThat(files.get(2).get("passed").asBoolean()).isTrue();
    }

    /** jhmm run /dev/zero ended in "internal error: Requested array size exceeds VM limit". */
    @Test
    void anEndlessFileIsRefusedNotReadWhole() {
        Path zero = Path.of("/dev/zero");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isReadable(zero));
        Run r = jhmm("run", zero.toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.out()).isEqualTo("/dev/zero: cannot read: more than 4M (a scenario is a text file of commands)\n"
                + "FAIL /dev/zero\n0 passed, 1 failed\n");
    }

    @Test
    void traceShowsEachCommandsResultBeforeTheFilesVerdict() throws IOException {
        String good = file("good.scn", GOOD);
        Run r = jhmm("run", "--trace", good);
        assertThat(r.exit()).isZero();
        assertThat(r.out()).isEqualTo(good + ":1: process p -> ok\n" + good + ":2: p mmap buf 1p rw anon-private -> ok\n"
                + good + ":3: p read buf 0 4 -> ok data=zero\nPASS " + good + "\n1 passed, 0 failed\n");
        // With --json the document stays alone on stdout and the trace goes to stderr.
        Run json = jhmm("run", "--json", "--trace", good);
        assertThat(new ObjectMapper().readTree(json.out()).get("passed").asInt()).isEqualTo(1);
        assertThat(json.err()).contains(":3: p read buf 0 4 -> ok data=zero");
    }

    @Test
    void aDashReadsTheScenarioFromStandardInput() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        InputStream in = new ByteArrayInputStream((GOOD + "show p buf\n").getBytes(StandardCharsets.UTF_8));
        int exit = Main.execute(in, false, new PrintWriter(out), new PrintWriter(err), "run", "-");
        assertThat(exit).isZero();
        assertThat(out.toString()).contains("    buf 0 len=1p state=zero\n").endsWith("PASS <stdin>\n1 passed, 0 failed\n");
        InputStream bad = new ByteArrayInputStream(BAD.getBytes(StandardCharsets.UTF_8));
        StringWriter failed = new StringWriter();
        assertThat(Main.execute(bad, false, new PrintWriter(failed), new PrintWriter(err), "run", "-")).isEqualTo(1);
        assertThat(failed.toString()).startsWith("<stdin>:4: expected data=i32+1, got ");
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
        JsonNode root = new ObjectMapper().readTree(run.out());
        assertThat(root.get("settings").toString()).isEqualTo("{\"sizeBytes\":8388608,\"pages\":2048,\"backing\":\"4k\","
                + "\"iommu\":false,\"compact\":true,\"migrate\":true,\"remapQuarter\":true,\"ramBytes\":1073741824}");
        assertThat(root.get("rows")).hasSize(12);
        assertThat(root.get("rows").get(0).get("key").asText()).isEqualTo("pageFaults");
        assertThat(root.get("reading")).isNotEmpty();
        JsonNode paths = root.get("results");
        assertThat(paths).hasSize(8);
        for (JsonNode path : paths) {
            assertThat(path.get("figures").get("iommuLeaves").asLong()).as(path.get("path").asText()).isZero();
            path.get("figures").fieldNames().forEachRemaining(key -> assertThat(key).doesNotContain(" "));
        }
        // without THP the core maps every 4 KiB page on its own
        assertThat(paths.get(7).get("figures").get("dmaEntries").asLong()).isGreaterThanOrEqualTo(8L * 256);
        assertThat(jhmm("compare", "--size", "3M").exit()).isEqualTo(2);
    }

    /** --size 1T ran 2 MiB; 1000G ran out of heap; 2048G was an internal error about a ram never set. */
    @Test
    void compareRefusesSizesTheMachineCannotHoldAndSaysWhy() {
        Run terabyte = jhmm("compare", "--size", "1T");
        assertThat(terabyte.exit()).isEqualTo(2);
        assertThat(terabyte.err()).startsWith("jhmm compare: --size 1024G needs a machine of twice its size: ram=2048.5G is too large");
        assertThat(jhmm("compare", "--size", "1000G").err()).contains("ram=2000.5G is too large", "JHMM_HEAP=");
        assertThat(jhmm("compare", "--size", "2048G").err())
                .contains("ram=4096.5G is too large: the pages of RAM, swap, device memory and files together must stay below 4096G");
        Run longWord = jhmm("compare", "--size", "9".repeat(200_000));
        assertThat(longWord.exit()).isEqualTo(2);
        assertThat(longWord.err()).contains("bad SIZE '" + "9".repeat(60) + "... (200000 characters)'").hasSizeLessThan(600);
        Run both = jhmm("compare", "--hugetlb", "--no-thp");
        assertThat(both.exit()).isEqualTo(2);
        assertThat(both.err()).contains("--no-thp says nothing with --hugetlb");
    }

    /** The pinned paths cannot map the quarter again: their cells say so instead of a 0 that looks measured. */
    @Test
    void compareSaysWhichStepAPathCouldNotDo() {
        Run r = jhmm("compare", "--size", "8M", "--hugetlb");
        assertThat(r.exit()).as(r.err()).isZero();
        String faulted = r.out().lines().filter(l -> l.startsWith("page faults ")).findFirst().orElseThrow();
        assertThat(faulted.split(" {2,}")).containsExactly("page faults", "1", "1", "1", "remap ENOMEM", "1", "remap ENOMEM", "remap ENOMEM", "1", "faults");
        assertThat(r.out()).contains("remap ENOMEM: a step of the workload failed");
        assertThat(prose(r.out())).contains("whether the device went stale was not measured (remap ENOMEM)");
    }

    /** Progress on stderr for a person at a terminal; nothing there when stderr goes to a file or a pipe. */
    @Test
    void compareShowsProgressOnlyToATerminal() {
        CliRun watched = CliRun.watched("compare", "--size", "4M");
        assertThat(watched.exit()).isZero();
        assertThat(watched.err().lines()).containsExactly("compare: hmm-2019 done (1 of 8)", "compare: hmm-dma done (2 of 8)",
                "compare: gpusvm done (3 of 8)", "compare: rnic pinned done (4 of 8)", "compare: rnic odp done (5 of 8)",
                "compare: gup done (6 of 8)", "compare: core mode=pin done (7 of 8)", "compare: core mode=mirror done (8 of 8)");
        CliRun redirected = CliRun.of("compare", "--size", "4M");
        assertThat(redirected.err()).isEmpty();
        assertThat(redirected.out()).isEqualTo(watched.out());
    }

    /** The build's test JVM writes stderr to a pipe or a file, never a terminal: progress would be off. */
    @Test
    void stderrOfTheForkedTestJvmIsNoTerminal() {
        assertThat(Main.stderrIsTerminal()).isFalse();
    }

    /** {@code text} with the lines that wrapped prose continues joined back. */
    private static String prose(String text) {
        return text.replaceAll("\n {3,}", " ");
    }

    /** The table reads on its own: the workload and settings above it, what each row counts and a reading below. */
    @Test
    void compareExplainsItsTable() {
        Run r = jhmm("compare", "--size", "8M", "--no-compact");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).startsWith("jhmm compare: one buffer mapped for a device's DMA 8 ways, each on a fresh machine of 1G RAM\n");
        assertThat(prose(r.out())).contains("  buffer   8M (2048 pages of 4 KiB), anonymous private, THP-backed (thp=always), written by the process\n",
                        "  device   behind an IOMMU",
                        "  then     no compaction (--no-compact); the kernel migrates the buffer; the process unmaps the first quarter (2M)",
                        "  gup               pin_user_pages + dma_map_sg",
                        "Rows, counted from after the process wrote the buffer until the device's read\n",
                        "  page faults                  page faults taken (handle_mm_fault calls; a THP fault counts once)",
                        "\nReading\n  - rnic pinned, gup and core mode=pin pin the buffer (2048 pages), so migrations failed on 4 folios;");
        assertThat(r.out().lines().filter(l -> l.startsWith("pins held ")).findFirst().orElseThrow().split(" {2,}"))
                .containsExactly("pins held", "0", "0", "0", "2048", "0", "2048", "2048", "0", "pages");
        assertThat(r.out().lines().filter(l -> !l.contains("  hmm-2019  ") && !l.matches("^[a-zA-Z-]+( [a-zA-Z-]+)*  .*")))
                .allSatisfy(l -> assertThat(l.length()).as(l).isLessThanOrEqualTo(102));
    }

    /** compare --report: one self-contained page, a bar chart per row across the paths, its script runs. */
    @Test
    void compareReportDrawsABarChartPerRow(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path page = dir.resolve("c.html");
        Run r = jhmm("compare", "--size", "4M", "--report", page.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        String html = java.nio.file.Files.readString(page);
        assertThat(html).startsWith("<!doctype html>").contains("<title>jhmm compare</title>", "id=\"dmaEntries\"",
                "id=\"staleDeviceAccesses\"", "gpusvm", "Reading");
        org.junit.jupiter.api.Assumptions.assumeTrue(jhmm.junit.PageScripts.available(), "node is not installed here");
        String drawn = jhmm.junit.PageScripts.run(html);
        for (jhmm.compare.CompareRow row : jhmm.compare.CompareRow.values()) {
            assertThat(drawn).contains(row.key() + ": <svg");
        }
    }
}
