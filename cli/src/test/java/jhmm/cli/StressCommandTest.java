package jhmm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * A short stress run in every build: CPU threads faulting, storing, unmapping and reclaiming
 * while device threads mirror the same process (hmm_range_fault under the interval notifier)
 * and, in the second run, migrate its pages to their memory and back and evict them, checked
 * at every quiescent point and for leaks after teardown. Its interleavings differ from run to
 * run; its operations are seeded.
 */
class StressCommandTest {
    @Test
    void cpuAndDeviceThreadsTogetherFindNoViolationAndLeaveNothingBehind() {
        CliRun r = CliRun.of("stress", "--cpus", "2", "--devices", "2", "--mirror-only", "--ops", "40000", "--seed", "7",
                "--check-every", "500");
        assertThat(r.err()).isEmpty();
        assertThat(r.out()).contains("operations 40000 ").contains(" 0 violations, 0 leaks");
        assertThat(r.exit()).as(r.out()).isZero();
    }

    @Test
    void devicesMigratingAndEvictingMeanwhileFindNoViolationEither() {
        CliRun r = CliRun.of("stress", "--cpus", "2", "--devices", "2", "--ops", "100000", "--seed", "11", "--check-every", "50");
        assertThat(r.err()).isEmpty();
        assertThat(r.out()).contains("operations 100000 ").contains(" 0 violations, 0 leaks");
        assertThat(r.exit()).as(r.out()).isZero();
    }

    @Test
    void aRunWithoutCpuThreadsIsBadInput() {
        CliRun r = CliRun.of("stress", "--cpus", "0");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("jhmm stress: --cpus");
    }
}
