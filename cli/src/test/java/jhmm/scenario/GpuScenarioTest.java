package jhmm.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import jhmm.device.gpu.GpuConfig;
import jhmm.device.gpu.ReplayPolicy;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** The GPU's lines: presets and knobs as parsed, bad input named at its word, counts as results. */
class GpuScenarioTest {
    private static final String PROLOGUE = "machine ram=64M\nprocess p\np mmap buf 2M rw anon-private align=2M\n";

    private static GpuConfig config(String deviceLine) {
        Scenario s = ScenarioParser.parse("t.scn", PROLOGUE + deviceLine + "\n");
        return ((GpuCommand.NewGpu) s.steps().get(s.steps().size() - 1).command()).config();
    }

    @Test
    void aPresetSetsTheKnobsAndAKnobGivenBesideItWins() {
        GpuConfig nouveau = config("device g gpu policy=nouveau");
        assertThat(nouveau.chunks()).containsExactly(4096);
        assertThat(nouveau.replay()).isEqualTo(ReplayPolicy.ONCE);
        assertThat(nouveau.migrateOnFault()).isFalse();
        GpuConfig mixed = config("device g gpu policy=nouveau replay=batch-flush chunks=64K,4K vram=0");
        assertThat(mixed.replay()).isEqualTo(ReplayPolicy.BATCH_FLUSH);
        assertThat(mixed.chunks()).containsExactly(65536, 4096);
        assertThat(mixed.vramBytes()).isZero();
        assertThat(mixed.evict()).isFalse();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '#', value = {
            "device g gpu chunks=2M,64K#t.scn:4: chunks must end with 4K, so that every fault finds a range",
            "device g gpu chunks=4K,64K#t.scn:4: chunks must be powers of two from 4K to 2M, largest first",
            "device g gpu vram=3M#t.scn:4: vram must be whole 2M chunks",
            "device g gpu notifier=1M#t.scn:4: notifier must be a power of two of at least 2M",
            "device g gpu policy=intel#t.scn:4: unknown word 'intel' after 'policy=' (expected POLICY: nvidia, nouveau, amdkfd)",
            "device g gpu threshold=101#t.scn:4: threshold=101 is too large (at most 100)",
            "device g gpu; g open p; g access buf 0 2M readwrite#t.scn:6: unknown word 'readwrite'",
            "device g gpu; g open p; g access buf 0 2M read warps=0#t.scn:6: warps= must be 1 to 65536",
            "device g gpu; g access buf 0 2M read#t.scn:5: device 'g' is not open",
            "device g gpu; g open p; g advise buf#t.scn:6: advise needs preferred=vram|sys",
            "device g gpu; g open p; g snapshot buf 0 1#t.scn:6: unknown word 'snapshot' after 'g'"})
    void badGpuLinesAreParseErrorsAtTheirWord(String lines, String message) {
        // lines are separated by "; " in the table
        assertThatThrownBy(() -> ScenarioParser.parse("t.scn", PROLOGUE + lines.replace("; ", "\n") + "\n"))
                .isInstanceOf(ScenarioError.class).hasMessageStartingWith(message);
    }

    @Test
    void anAccessReturnsTheDriversCountsAndAFatalFaultItsErrno() {
        String text = PROLOGUE + "p write buf 0 2M i32\ndevice g gpu vram=0\ng open p\n"
                + "g access buf 0 2M read warps=4\nexpect ok faults=4 duplicates=3 ranges=1 dma-maps=512\n"
                + "p mprotect buf r\ng access buf 0 4K write\nexpect EPERM\ncheck invariants\n";
        FileReport r = ScenarioRunner.run(ScenarioParser.parse("t.scn", text), true);
        List<String> failures = r.failures().stream().map(f -> f.format("t.scn")).toList();
        assertThat(failures).isEmpty();
    }

    @Test
    void aWrongCountFailsNamingTheActualOne() {
        String text = PROLOGUE + "p write buf 0 2M i32\ndevice g gpu vram=0\ng open p\n"
                + "g access buf 0 2M read\nexpect ok ranges=2\n";
        FileReport r = ScenarioRunner.run(ScenarioParser.parse("t.scn", text), false);
        assertThat(r.failures()).extracting(f -> f.format("t.scn")).containsExactly("t.scn:8: expected ok ranges=2, got ranges=1");
    }
}
