package jhmm.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code jhmm run --trace}: every command with its result, in words an {@code expect} line takes as they are. */
class TraceTest {
    private static final String BUF = "machine ram=64M\nprocess p\np mmap buf 4p rw anon-private\n";

    private static List<String> trace(String text) {
        StringWriter out = new StringWriter();
        ScenarioRunner.run(ScenarioParser.parse("t.scn", text), false, Transcript.printing(new PrintWriter(out), true));
        return out.toString().lines().toList();
    }

    /** The result part of the trace of the last command of {@code text}. */
    private static String lastResult(String text) {
        String last = trace(text).getLast();
        return last.substring(last.indexOf(" -> ") + 4);
    }

    @Test
    void eachCommandIsPrintedAsWrittenWithItsResult() {
        assertThat(trace(BUF + "p write buf 0 4p i32   # fill it\np fork c\nc read buf 1p 1p\np munmap buf len=1p\np read buf 0 4\nexpect EFAULT\n"))
                .containsExactly(
                        "t.scn:2: process p -> ok",
                        "t.scn:3: p mmap buf 4p rw anon-private -> ok",
                        "t.scn:4: p write buf 0 4p i32 -> ok",
                        "t.scn:5: p fork c -> ok",
                        // The pattern counts from the mapping's start, as expect data= reads it.
                        "t.scn:6: c read buf 1p 1p -> ok data=i32",
                        "t.scn:7: p munmap buf len=1p -> ok",
                        "t.scn:8: p read buf 0 4 -> EFAULT");
    }

    @Test
    void aCommandThatCannotRunSaysWhy() {
        // No hugetlb pool: the mmap fails, and the mapping it would have made does not exist.
        assertThat(trace(BUF + "p mmap huge 2M rw anon-private hugetlb=2M\nexpect ENOMEM\np read huge 0 4\n")).containsSubsequence(
                "t.scn:4: p mmap huge 2M rw anon-private hugetlb=2M -> ENOMEM",
                "t.scn:6: p read huge 0 4 -> mapping 'huge' of process 'p' does not exist (its mmap failed, or it was unmapped)");
    }

    /** A protection fault on the device's write is EPERM (hmm_range_fault on a read-only VMA). */
    @Test
    void errnoCountersAndProtectionCodes() {
        String dev = "machine ram=64M\nprocess p\ndevice d0 dmirror\nd0 open p\np mmap buf 4p r anon-private\n";
        assertThat(lastResult(dev + "d0 write buf 0 4 i32\nexpect EPERM\n")).isEqualTo("EPERM");
        assertThat(lastResult(dev + "d0 read buf 0 1\n")).isEqualTo("ok cpages=1 faults=1 data=zero");
        // After the device's read fault, the first page maps the zero page read-only; the rest are untouched.
        assertThat(lastResult(dev + "d0 read buf 0 1\nd0 snapshot buf 0 4\n"))
                .isEqualTo("ok cpages=4 faults=0; prot READ+ZERO NONE*3");
    }

    @Test
    void dataIsShownAsThePatternsEachPartHolds() {
        assertThat(lastResult(BUF + "p write buf 0 1p i32+5\np write buf 2p 1p byte:7\np read buf 0 4p\n"))
                .isEqualTo("ok data=i32+5 len=1p; data=zero off=1p len=1p; data=byte:7 off=2p len=1p; data=zero off=3p");
        assertThat(lastResult(BUF + "p write buf 0 4p -i32\np read buf 6 10\n")).isEqualTo("ok data=-i32");
        assertThat(lastResult(BUF + "p write buf 0 1p i32\np write buf 8 4 byte:1\np read buf 0 1p\n"))
                .isEqualTo("ok data matching no pattern");
    }

    /** What the trace shows passes as expectations: the point of it. */
    @Test
    void theTracedResultPassesWhenPastedAsExpectations() {
        String run = BUF + "p write buf 0 2p i32+7\np write buf 3p 1p -i32\np read buf 4 16380\n";
        String traced = lastResult(run);
        String expects = Arrays.stream(traced.split("; ")).map(part -> "expect " + part + "\n").reduce("", String::concat);
        FileReport report = ScenarioRunner.run(ScenarioParser.parse("t.scn", run + expects), false);
        assertThat(report.failures()).isEmpty();
        assertThat(expects.lines()).hasSize(3);
    }
}
