package jhmm.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class ScenarioRunnerTest {
    private static final String BUF = "machine ram=64M\nprocess p\np mmap buf 4p rw anon-private\n";

    private static List<String> failures(String text) {
        return failures(text, false);
    }

    private static List<String> failures(String text, boolean checkAlways) {
        FileReport report = ScenarioRunner.run(ScenarioParser.parse("t.scn", text), checkAlways);
        return report.failures().stream().map(f -> f.format("t.scn")).toList();
    }

    private static FileReport report(String text) {
        return ScenarioRunner.run(ScenarioParser.parse("t.scn", text), false);
    }

    /** A page past the mapping's end belongs to no mapping of that name: the check was silently true. */
    @Test
    void aStateExpectationPastTheMappingsEndIsBadInput() {
        FileReport r = report(BUF + "expect p buf 100p state=none\nexpect p buf 0x7fffffffffffffff state=none\n");
        assertThat(r.badInput()).isTrue();
        assertThat(r.failures()).extracting(f -> f.format("t.scn")).containsExactly(
                "t.scn:4: offset 409600 is past the end of mapping 'buf' (16384 bytes): expect P M OFF looks at a page of M",
                "t.scn:5: offset 9223372036854775807 is past the end of mapping 'buf' (16384 bytes): expect P M OFF looks at a page of M");
    }

    @Test
    void mmapUnderALiveNameIsBadInput() {
        FileReport r = report(BUF + "p mmap buf 4p rw anon-private\n");
        assertThat(r.badInput()).isTrue();
        assertThat(r.failures()).extracting(f -> f.format("t.scn"))
                .containsExactly("t.scn:4: mapping 'buf' of process 'p' already exists (munmap it first, or use another name)");
    }

    /**
     * mmap places top-down: b lies just below buf, and a munmap of b that runs on removes buf
     * whole. The name keeps its place, as the kernel gives its range's errno (ENOMEM for
     * mprotect of an unmapped range), and the failure says what removed its pages.
     */
    @Test
    void aNameWhosePagesAnotherMunmapRemovedSaysSoAtItsNextUse() {
        assertThat(failures(BUF + "p mmap b 4p rw anon-private\np munmap b len=8p\np mprotect buf r\n")).containsExactly(
                "t.scn:6: expected ok, got ENOMEM (mapping 'buf' has no pages: 'p munmap b' unmapped them all)");
        assertThat(failures(BUF + "p mmap b 4p rw anon-private\np munmap b len=8p\np mprotect buf r\nexpect ENOMEM\n"))
                .isEmpty();
    }

    @Test
    void aScenarioThatHoldsHasNoFailures() {
        assertThat(failures(BUF + """
                p write buf 0 4p i32
                expect ok
                p read buf 1p 2p
                expect data=i32
                expect data=i32 off=1p len=4
                expect p buf 0 state=present-rw
                expect p buf 0 state=present
                check invariants
                """)).isEmpty();
    }

    @Test
    void aWrongDataExpectationIsReportedAtItsLine() {
        assertThat(failures(BUF + "p write buf 0 4p i32\np read buf 1p 1p\nexpect data=-i32\n"))
                .containsExactly("t.scn:6: expected data=-i32, got 0x00000400 at offset 0x1000 where the pattern has "
                        + "0xfffffc00 (4088 of 4096 bytes differ)");
    }

    @Test
    void aDataExpectationSaysWhichByteDiffersWhenNoWholeWordIsCompared() {
        assertThat(failures(BUF + "p read buf 0 4\nexpect data=byte:1 off=1 len=2\n"))
                .containsExactly("t.scn:5: expected data=byte:1 off=1 len=2, got byte 0x00 at offset 0x1 where the "
                        + "pattern has 0x01 (2 of 2 bytes differ)");
    }

    @Test
    void anErrnoExpectationOnASuccessSaysOk() {
        assertThat(failures(BUF + "p read buf 0 4\nexpect EFAULT\n")).containsExactly("t.scn:5: expected EFAULT, got ok");
    }

    @Test
    void anExpectationOnACommandThatFailedReportsTheErrno() {
        assertThat(failures(BUF + "p mprotect buf r\np write buf 0 4 i32\nexpect ok\np read buf 0 4\nexpect data=zero\n"))
                .containsExactly("t.scn:6: expected ok, got EFAULT");
        assertThat(failures(BUF + "p munmap buf len=1p\np read buf 0 4\nexpect data=zero\n"))
                .containsExactly("t.scn:6: expected data=zero, got EFAULT");
    }

    @Test
    void aFailingCommandWithoutExpectationFails() {
        assertThat(failures(BUF + "p mprotect buf r\np write buf 0 4 i32\np read buf 0 4\n"))
                .containsExactly("t.scn:5: expected ok, got EFAULT");
    }

    @Test
    void aStateExpectationDoesNotExcuseAFailedCommand() {
        assertThat(failures(BUF + "p mprotect buf r\np write buf 0 4 i32\nexpect p buf 0 state=zero\n"))
                .containsExactly("t.scn:5: expected ok, got EFAULT", "t.scn:6: expected p buf 0 state=zero, got state=none");
    }

    @Test
    void countersThatACommandDoesNotProduceAreReported() {
        assertThat(failures(BUF + "p read buf 0 4\nexpect ok cpages=1\n"))
                .containsExactly("t.scn:5: expected ok cpages=1, got no cpages counter");
        assertThat(failures(BUF + "p write buf 0 4p i32\nexpect data=i32\n"))
                .containsExactly("t.scn:5: expected data=i32, got no data");
        assertThat(failures(BUF + "p read buf 0 4\nexpect prot READ\n"))
                .containsExactly("t.scn:5: expected prot READ, got no protection codes");
    }

    @Test
    void compactionCountsMovedPages() {
        assertThat(failures(BUF + "kernel compact\nexpect ok\n")).isEmpty();
    }

    @Test
    void aDmaMappingLeftAtTheEndIsReportedAndUnmappingReportsItsCounters() {
        assertThat(failures(BUF + """
                device d0 dmirror
                d0 open p
                d0 dma-map buf 0 4 via=core mode=pin
                expect ok mapped=4 pinned=4 dma-entries=4
                """)).containsExactly("t.scn:6: expected every dma-map undone by the end ('D dma-unmap'), got 1 still mapped");
        assertThat(failures(BUF + """
                device d0 dmirror
                d0 open p
                d0 dma-map buf 0 4 via=gup
                d0 dma-unmap buf
                expect ok unmapped=4 pinned=0
                """)).isEmpty();
    }

    @Test
    void gupHoldsItsPagesUntilUnpinAndALeakIsReported() {
        assertThat(failures(BUF + "p gup buf 0 2 write pin\nexpect ok pinned=2\np unpin\nexpect ok pinned=2\n")).isEmpty();
        assertThat(failures(BUF + "p gup buf 0 2 pin\n"))
                .containsExactly("t.scn:4: expected every gup released by the end ('P unpin'), got 2 pages still held");
    }

    @Test
    void theTestDeviceReadsThroughHmmAndReportsItsCounters() {
        assertThat(failures(BUF + """
                p write buf 0 1p i32
                device d0 dmirror
                d0 open p
                d0 read buf 0 1
                expect ok cpages=1 faults=1 data=i32
                d0 snapshot buf 0 2
                expect prot WRITE NONE
                """)).isEmpty();
        assertThat(failures(BUF + "device d0 dmirror\nd0 open p\nd0 read buf 0 1\nexpect ok cpages=1 faults=2\n"))
                .containsExactly("t.scn:7: expected ok cpages=1 faults=2, got faults=1");
    }

    @Test
    void namesThatAFailedCallDidNotMakeGiveAClearRuntimeError() {
        assertThat(failures("machine ram=64M\nprocess p\np mmap big 1G rw anon-private hugetlb=2M\nexpect ENOMEM\n"
                + "p read big 0 4\n"))
                .containsExactly("t.scn:5: mapping 'big' of process 'p' does not exist (its mmap failed, or it was unmapped)");
    }

    @Test
    void aLiveMappingNameCannotBeMappedAgainButAFreedOneCan() {
        assertThat(failures(BUF + "p mmap buf 1p rw anon-private\n")).containsExactly(
                "t.scn:4: mapping 'buf' of process 'p' already exists (munmap it first, or use another name)");
        assertThat(failures(BUF + "p munmap buf\np mmap buf 1p rw anon-private\np read buf 0 1p\n")).isEmpty();
    }

    @Test
    void mremapMovesTheNameWithTheMapping() {
        assertThat(failures(BUF + """
                p mmap wall 4p rw anon-private
                p write buf 0 4p i32
                p mremap buf 256p
                p read buf 0 256p
                expect data=i32 len=4p
                expect data=zero off=4p
                p munmap buf
                """)).isEmpty();
    }

    @Test
    void forkGivesTheChildTheParentsNames() {
        assertThat(failures(BUF + "p write buf 0 4p i32\np fork c\nc read buf 0 4p\nexpect data=i32\n")).isEmpty();
    }

    /** Bad input, said before anything runs: it was once a failed expectation (exit 1). */
    @Test
    void anImpossibleMachineIsReportedOnTheMachineLine() {
        assertThatThrownBy(() -> failures("# tiny\nmachine ram=1K\nprocess p\n")).isInstanceOf(ScenarioError.class)
                .hasMessage("t.scn:2: ram=1K is too small: a machine needs at least 4M");
    }

    @Test
    void checkAlwaysRunsTheCheckerWithoutFalseAlarms() {
        assertThat(failures(BUF + "p write buf 0 4p i32\np fork c\nc write buf 0 1p zero\n", true)).isEmpty();
    }
}
