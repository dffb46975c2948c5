package jhmm.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The engine benchmark's invocation once, outside JMH: it must run its million wakeups to the end. */
class EngineBenchSmokeTest {
    @Test
    void holdRunsItsWakeupsAndEndsInSimulatedTime() {
        EngineBench b = new EngineBench();
        b.pending = 16;
        assertThat(b.hold()).isPositive();
    }
}
