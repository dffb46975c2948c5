package jhmm.diff;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.List;
import jhmm.diff.host.HostSession;
import jhmm.mm.ThpMode;
import jhmm.scenario.Scenario;
import jhmm.scenario.ScenarioParser;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** `jhmm diff` end to end on the host kernel: what agrees, and that each kind of difference is found. */
class DiffRunnerTest {
    private final HostMachine host = HostMachine.read();

    @BeforeEach
    void onLinuxX86() {
        assumeTrue(HostSession.unavailable().isEmpty(), () -> "no host side: " + HostSession.unavailable().orElseThrow());
    }

    private FileDiff diff(String text) {
        return DiffFiles.diff("t.scn", text, host);
    }

    @Test
    void forkAndCopyOnWriteAgree() {
        FileDiff d = diff("""
                machine ram=256M
                process p
                p mmap buf 16p rw anon-private
                p write buf 0 4p i32
                p fork c
                c read buf 0 4p
                c write buf 0 1p -i32
                p read buf 0 2p
                c exit
                p munmap buf off=8p len=2p
                """);
        assertThat(d.status()).as(d.toString()).isEqualTo(FileDiff.Status.AGREE);
        assertThat(d.steps()).isEqualTo(9);
    }

    @Test
    void storeToReadOnlyMappingFaultsOnBothSidesAfterFaultingThePagesBeforeIt() {
        FileDiff d = diff("""
                machine ram=256M
                process p
                p mmap buf 8p rw anon-private
                p mprotect buf r off=4p len=4p
                p write buf 2p 4p byte:7
                expect EFAULT
                p read buf 0 4p
                """);
        assertThat(d.status()).as(d.toString()).isEqualTo(FileDiff.Status.AGREE);
    }

    @Test
    void differentResultIsADivergenceAtItsLine() {
        // The model's machine has 16 MiB: the overcommit heuristic refuses 64 MiB at once; the host's does not.
        FileDiff d = diff("""
                machine ram=16M
                process p
                p mmap buf 64M rw anon-private
                """);
        assertThat(d.status()).isEqualTo(FileDiff.Status.DIVERGE);
        assertThat(d.line()).isEqualTo(3);
        assertThat(d.command()).isEqualTo("p mmap buf 64M rw anon-private");
        assertThat(d.what()).isEqualTo("result");
        assertThat(d.model()).isEqualTo("ENOMEM");
        assertThat(d.host()).isEqualTo("ok");
    }

    @Test
    void differentPageStateIsADivergenceThatShowsBothSides() {
        // Run directly, without the host's settings: the model has THP off, the host does not.
        String text = """
                process p
                p mmap buf 4M rw anon-private align=2M
                p madvise buf hugepage
                p write buf 0 1p i32
                """;
        assumeTrue(host.thp() != ThpMode.NEVER, "the host has THP off");
        Scenario s = ScenarioParser.parse("t.scn", text);
        Scenario noThp = new Scenario("t.scn", s.machine().withRam(256L << 20).withThp(ThpMode.NEVER), 0, s.steps());
        FileDiff d = DiffRunner.run(noThp, List.of(text.split("\n")));
        assertThat(d.status()).isEqualTo(FileDiff.Status.DIVERGE);
        assertThat(d.line()).isEqualTo(4);
        assertThat(d.what()).isEqualTo("p buf page 0 (offset 0x0)");
        assertThat(d.model()).isEqualTo("pages 0 present, 1-1023 none");
        assertThat(d.host()).isEqualTo("pages 0-511 present+pmd+thp");
    }

    @Test
    void commandTheHostCannotRunEndsTheComparisonThere() {
        FileDiff d = diff("""
                machine ram=256M
                process p
                p mmap buf 4p rw anon-private
                kernel compact
                p read buf 0 1p
                """);
        assertThat(d.status()).isEqualTo(FileDiff.Status.AGREE);
        assertThat(d.steps()).isEqualTo(2);
        assertThat(d.note()).isEqualTo("line 4: kernel compact is machine-wide on the host; compared up to there");
        FileDiff device = diff("device d dmirror\nprocess p\n");
        assertThat(device.status()).isEqualTo(FileDiff.Status.NOT_COMPARABLE);
    }

    @Test
    void unparsableScenarioIsBadInputNamingItsLine() {
        FileDiff d = diff("process p\np mmap buf 4p rw anon-privat\n");
        assertThat(d.status()).isEqualTo(FileDiff.Status.BAD_INPUT);
        assertThat(d.line()).isEqualTo(2);
    }
}
