package jhmm.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/** Every bundled scenario holds; and the suite can tell when one does not. */
class ScenarioSuiteTest {
    /** Surefire runs in the cli module, beside the repository's scenarios folder. */
    private static final Path SCENARIOS = Path.of("..", "scenarios");

    @TestFactory
    Stream<DynamicTest> everyBundledScenarioPasses() throws IOException {
        List<Path> files = ScenarioFiles.collect(List.of(SCENARIOS));
        assertThat(files).hasSizeGreaterThanOrEqualTo(13);
        return files.stream().map(file -> DynamicTest.dynamicTest(file.toString(), () -> {
            FileReport report = ScenarioFiles.run(file, true);
            assertThat(report.failures()).as(file.toString()).isEmpty();
        }));
    }

    /**
     * The ports of the kernel's HMM selftests (scenarios/kernel-selftests/VARIANT/TEST.scn):
     * every test is there in both variants of its fixture, names its kernel test on its first
     * line, and passes with the checker run after every command.
     */
    @Test
    void kernelSelftestPortsPassInEveryVariant() throws IOException {
        Path root = SCENARIOS.resolve("kernel-selftests");
        List<Path> files = ScenarioFiles.collect(List.of(root));
        Map<String, Set<String>> testsByVariant = new TreeMap<>();
        for (Path file : files) {
            Path rel = root.relativize(file);
            assertThat(rel.getNameCount()).as(rel.toString()).isEqualTo(2);
            String test = rel.getFileName().toString().replaceFirst("\\.scn$", "");
            testsByVariant.computeIfAbsent(rel.getName(0).toString(), v -> new TreeSet<>()).add(test);
            assertThat(Files.readAllLines(file).get(0)).as(rel.toString()).startsWith("# Kernel selftest " + test + " ");
        }
        assertThat(testsByVariant).containsKeys(
                "hmm_device_private", "hmm_device_coherent", "hmm2_device_private", "hmm2_device_coherent");
        // Every fixture is there in both its variants, and hmm_device_private and
        // hmm_device_coherent hold the same tests; so do the hmm2_ variants.
        testsByVariant.forEach((variant, tests) -> {
            String fixture = variant.substring(0, variant.indexOf('_') + 1);
            assertThat(testsByVariant).as("the variants of fixture %s", fixture)
                    .containsKeys(fixture + "device_private", fixture + "device_coherent");
            testsByVariant.forEach((other, otherTests) -> {
                if (other.startsWith(fixture)) {
                    assertThat(tests).as("%s against %s", variant, other).isEqualTo(otherTests);
                }
            });
        });
        List<String> failed = files.stream()
                .map(file -> ScenarioFiles.run(file, true))
                .filter(report -> !report.failures().isEmpty())
                .map(report -> report.failures().get(0).format(report.file()))
                .toList();
        System.out.printf("kernel selftest scenarios: %d files, %d passed, %d failed%n",
                files.size(), files.size() - failed.size(), failed.size());
        assertThat(failed).isEmpty();
    }

    @Test
    void aWrongExpectationFailsTheFileAtItsLine(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("wrong.scn");
        Files.writeString(file, """
                process p
                p mmap buf 1p rw anon-private
                p write buf 0 1p i32
                p read buf 0 1p
                expect data=i32
                expect data=zero
                """);
        FileReport report = ScenarioFiles.run(file, false);
        assertThat(report.passed()).isFalse();
        assertThat(report.badInput()).isFalse();
        assertThat(report.failures()).singleElement().satisfies(f -> {
            assertThat(f.line()).isEqualTo(6);
            assertThat(f.expected()).isEqualTo("data=zero");
            assertThat(f.format(file.toString())).startsWith(file + ":6: expected data=zero, got 0x00000001 at offset 0x4");
        });
    }

    @Test
    void directoriesAreSearchedRecursivelyInOrder(@TempDir Path dir) throws IOException {
        Files.createDirectories(dir.resolve("b"));
        for (String name : List.of("b/z.scn", "c.scn", "a.scn", "notes.txt")) {
            Files.writeString(dir.resolve(name), "process p\n");
        }
        assertThat(ScenarioFiles.collect(List.of(dir)))
                .containsExactly(dir.resolve("a.scn"), dir.resolve("b/z.scn"), dir.resolve("c.scn"));
    }

    @Test
    void unreadableAndUnparsableFilesAreReportedAsSuch(@TempDir Path dir) throws IOException {
        Path binary = dir.resolve("bin.scn");
        Files.write(binary, new byte[] {(byte) 0xff, (byte) 0xfe, 0});
        assertThat(ScenarioFiles.run(binary, false)).satisfies(r -> {
            assertThat(r.badInput()).isTrue();
            assertThat(r.failures().get(0).format(r.file())).isEqualTo(binary + ": cannot read: the file is not UTF-8 text");
        });
        Path bad = dir.resolve("bad.scn");
        Files.writeString(bad, "process p\np fly\n");
        assertThat(ScenarioFiles.run(bad, false).failures().get(0).format(bad.toString()))
                .startsWith(bad + ":2: unknown word 'fly' after 'p'");
    }
}
