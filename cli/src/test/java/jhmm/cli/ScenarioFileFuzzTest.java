package jhmm.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.io.TempDir;

/**
 * Whatever bytes a scenario file holds, {@code jhmm run --check-always} answers with exit 0
 * (passed), 1 (an expectation failed) or 2 (bad input), and every failure it reports names
 * the file and the line ({@code FILE:LINE: ...}; a problem of the file as a whole, such as
 * text that is not UTF-8, names the file alone). Never exit 3 (an internal error: the model or
 * the parser threw), never a hang (the timeout) nor running out of memory.
 *
 * <p>Every build replays the committed inputs (the scenarios/ files and what fuzzing found);
 * {@code JAZZER_FUZZ=1} fuzzes, see docs/testing.md.
 */
class ScenarioFileFuzzTest {
    private static final String NAME = "fuzz.scn";
    /** A reported failure: the file, then a line number or (for the file as a whole) nothing. */
    private static final Pattern FAILURE = Pattern.compile(".*/" + Pattern.quote(NAME) + "(:[1-9][0-9]*)?: .*");

    /**
     * Per input, not JUnit's {@code @Timeout}: Jazzer runs a whole fuzzing session as one test
     * invocation, which such a timeout would fail.
     */
    private static final Duration HANG = Duration.ofSeconds(20);

    @TempDir
    static Path dir;

    @FuzzTest(maxDuration = "10m")
    void anyFileGetsAnAnswerNamingFileAndLine(byte[] text) throws IOException {
        Path file = dir.resolve(NAME);
        Files.write(file, text);
        CliRun run = assertTimeoutPreemptively(HANG, () -> CliRun.of("run", "--check-always", file.toString()), "a hang");
        assertThat(run.exit()).as("exit code; stderr: %s", run.err()).isBetween(0, 2);
        List<String> lines = run.out().lines().toList();
        // every line but the closing PASS/FAIL line and the summary is a failure
        List<String> failures = lines.subList(0, Math.max(0, lines.size() - 2));
        assertThat(failures).as("failure lines").allMatch(l -> FAILURE.matcher(l).matches());
        assertThat(failures.isEmpty()).as("no failure reported, exit %d: %s", run.exit(), run.out()).isEqualTo(run.exit() == 0);
    }
}
