package jhmm.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import jhmm.device.rnic.Advice;
import jhmm.device.rnic.MrType;
import jhmm.device.rnic.RnicConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The RDMA NIC's lines: as parsed, bad input named at its word, the driver's counts and errnos as results. */
class RnicScenarioTest {
    private static final String PROLOGUE = "machine ram=64M\nprocess p\np mmap buf 64K rw anon-private\n";

    private static Command last(String lines) {
        Scenario s = ScenarioParser.parse("t.scn", PROLOGUE + lines.replace("; ", "\n") + "\n");
        return s.steps().get(s.steps().size() - 1).command();
    }

    private static List<String> failures(String lines, boolean checkAlways) {
        FileReport r = ScenarioRunner.run(ScenarioParser.parse("t.scn", PROLOGUE + lines.replace("; ", "\n") + "\n"), checkAlways);
        return r.failures().stream().map(f -> f.format("t.scn")).toList();
    }

    @Test
    void theDefaultsArePinnedWritableRegionsPrefetchAndLinuxsMemlockLimit() {
        assertThat(((RnicCommand.NewRnic) last("device n rnic")).memlockBytes()).isEqualTo(RnicConfig.DEFAULT_MEMLOCK);
        assertThat(((RnicCommand.NewRnic) last("device n rnic memlock=unlimited")).memlockBytes()).isEqualTo(Long.MAX_VALUE);
        RnicCommand.Reg reg = (RnicCommand.Reg) last("device n rnic; n open p; n reg buf");
        assertThat(reg.type()).isEqualTo(MrType.PINNED);
        assertThat(reg.writable()).isTrue();
        RnicCommand.Reg ro = (RnicCommand.Reg) last("device n rnic; n open p; n reg buf implicit readonly");
        assertThat(ro.type()).isEqualTo(MrType.IMPLICIT);
        assertThat(ro.writable()).isFalse();
        RnicCommand.Advise advise = (RnicCommand.Advise) last("device n rnic; n open p; n reg buf odp; n advise buf 0 4K");
        assertThat(advise.advice()).isEqualTo(Advice.PREFETCH);
        RnicCommand.Data write = (RnicCommand.Data) last("device n rnic; n open p; n reg buf; n rdma-write buf 4K 8K");
        assertThat(write.pattern()).isEqualTo(RnicParser.DEFAULT_DATA);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '#', value = {
            "device n rnic memlock=lots#t.scn:4: bad SIZE|unlimited 'lots' after 'memlock='",
            "device n rnic; n reg buf#t.scn:5: device 'n' is not open",
            "device n rnic; n open p; n reg buf shared#t.scn:6: unknown word 'shared' after 'n reg buf' (expected TYPE: pinned, odp, implicit)",
            "device n rnic; n open p; n rdma-read buf 0 4K#t.scn:6: 'n' has registered no region on mapping 'buf' of process 'p'",
            "device n rnic; n open p; n reg buf; n rdma-read buf 0 0#t.scn:7: LEN must be 1 byte to 256M",
            "device n rnic; n open p; n reg buf; n rdma-write buf 0 3G#t.scn:7: LEN must be 1 byte to 2G",
            "device n rnic; n open p; n reg buf; n rdma-read buf 0 4K i32#t.scn:7: unknown word 'i32'",
            "device n rnic; n open p; n reg buf odp; n advise buf 0 4K later#t.scn:7: unknown word 'later'",
            "device n rnic; n open p; n snapshot buf 0 1#t.scn:6: unknown word 'snapshot' after 'n'"})
    void badRnicLinesAreParseErrorsAtTheirWord(String lines, String message) {
        assertThatThrownBy(() -> last(lines)).isInstanceOf(ScenarioError.class).hasMessageStartingWith(message);
    }

    @Test
    void operationsReturnTheDriversCountsAndTheirErrnos() {
        assertThat(failures("""
                p write buf 0 16K i32; device n rnic; n open p
                n reg buf odp; expect ok mapped=4 pinned=0
                n rdma-write buf 0 64K; expect ok faults=1 retries=1 mapped=12 pages=16
                n rdma-read buf 0 16K; expect ok faults=0 data=-i32
                p mprotect buf r
                n rdma-write buf 0 4K; expect EPERM
                n reg buf implicit readonly; expect ok
                check invariants""", true)).containsExactly("t.scn:16: 'n' already has a region on buf ('n dereg buf' first)");
    }

    @Test
    void aRegionKeepsItsNameAfterItsMappingIsGone() {
        assertThat(failures("""
                p write buf 0 64K i32; device n rnic; n open p; n reg buf
                p munmap buf
                n rdma-read buf 0 4K; expect ok stale=1 data=i32
                check invariants; expect ok stale=16
                n dereg buf; expect ok unpinned=16
                n rdma-read buf 0 4K""", true)).containsExactly(
                "t.scn:15: 'n' has no region on buf (its reg failed, or it was deregistered)");
    }

    @Test
    void aWrongCountFailsNamingTheActualOne() {
        assertThat(failures("device n rnic; n open p; n reg buf; expect ok pinned=3", false))
                .containsExactly("t.scn:7: expected ok pinned=3, got pinned=16");
    }
}
