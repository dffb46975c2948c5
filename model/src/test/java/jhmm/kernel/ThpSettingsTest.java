package jhmm.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import jhmm.base.Pattern;
import jhmm.mm.PageState;
import jhmm.mm.ThpMode;
import org.junit.jupiter.api.Test;

/** THP settings that change what a CPU-side scenario sees: use_zero_page. */
class ThpSettingsTest {
    private static final long P = MachineFixture.P;
    private static final long M2 = MachineFixture.M2;

    private static MachineFixture machine(MachineConfig config) {
        return new MachineFixture(config.withRam(256L << 20).withThp(ThpMode.ALWAYS));
    }

    @Test
    void readFaultMapsANewThpWhenTheHugeZeroPageIsOff() {
        MachineFixture t = machine(MachineConfig.defaults().withThpZeroPage(false));
        long a = t.anonAligned(t.p, M2, M2);
        MachineFixture.assertReads(t.p, a, P, Pattern.ZERO, a);
        assertThat(t.p.pageState(a)).isEqualTo(PageState.HUGE_PMD);
        assertThat(t.p.frameAt(a)).as("a real folio, not the huge zero page").isPositive();
        assertThat(t.machine.stats().thpFaultAlloc.get()).isEqualTo(1);
        assertThat(t.p.write(a + P, 4, Pattern.fillByte(2), a)).isZero();
        assertThat(t.machine.stats().thpFaultAlloc.get()).as("mapped writable: no second fault").isEqualTo(1);
        t.assertCoherent();
    }
}
