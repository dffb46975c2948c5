package jhmm.diff;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ScenarioLinesTest {
    @Test
    void acceptsWhatTheParserAccepts() {
        assertThat(ScenarioLines.parses(List.of("machine ram=64M", "process p", "p mmap m 1p rw anon-private",
                "p fork c", "c write m 0 1p i32", "c exit"))).isTrue();
    }

    @Test
    void rejectsWhatTheParserRejects() {
        assertThat(ScenarioLines.parses(List.of("process p", "p write m 0 1p i32"))).isFalse();
        assertThat(ScenarioLines.parses(List.of("process p", "p mmap m 1p rw anon-private", "p exit",
                "p read m 0 4"))).isFalse();
        assertThat(ScenarioLines.parses(List.of("process p", "p mmap m 1p rw anon-private", "p munmap m",
                "p read m 0 4"))).isFalse();
    }

    @Test
    void rejectsAnMmapOfANameStillLiveWhichTheRunnerWouldRefuse() {
        assertThat(ScenarioLines.parses(List.of("process p", "p mmap m 1p rw anon-private",
                "p mmap m 2p rw anon-private"))).isFalse();
        assertThat(ScenarioLines.parses(List.of("process p", "p mmap m 1p rw anon-private", "p fork c",
                "c mmap m 2p rw anon-private"))).isFalse();
    }

    @Test
    void acceptsAnMmapOfANameUnmappedWholeOrOfAnotherProcess() {
        assertThat(ScenarioLines.parses(List.of("process p", "p mmap m 1p rw anon-private", "p fork c",
                "p munmap m", "p mmap m 2p rw anon-private", "c write m 0 4 i32"))).isTrue();
    }

    @Test
    void repairDropsARemovedDefinitionsUsers() {
        List<String> lines = List.of("process p", "p mmap n 1p rw anon-private", "p read m 0 4", "p fork c",
                "c write m 0 1p i32", "c read n 0 4");
        assertThat(ScenarioLines.repaired(lines)).containsExactly(
                "process p", "p mmap n 1p rw anon-private", "p fork c", "c read n 0 4");
    }
}
