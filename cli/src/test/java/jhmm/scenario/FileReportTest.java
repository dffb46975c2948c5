package jhmm.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class FileReportTest {
    /** Only a run the full heap stopped may go again alone (jhmm run --jobs). */
    @Test
    void aRunStoppedByTheFullHeapSaysSoOthersDoNot() {
        Failure full = new Failure(7, null, FileReport.OUT_OF_HEAP + " (Java heap space) in a JVM of 2G maximum heap: give it more");
        assertThat(new FileReport("a.scn", List.of(full), FileReport.Kind.BAD_INPUT).ranOutOfHeap()).isTrue();
        assertThat(new FileReport("a.scn", List.of(new Failure(3, null, "no such process q")), FileReport.Kind.BAD_INPUT).ranOutOfHeap()).isFalse();
        assertThat(new FileReport("a.scn", List.of(new Failure(3, "data=i32", "data=zero")), FileReport.Kind.RAN).ranOutOfHeap()).isFalse();
        assertThat(new FileReport("a.scn", List.of(), FileReport.Kind.RAN).ranOutOfHeap()).isFalse();
    }
}
