package jhmm.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import jhmm.base.Pattern;
import jhmm.mm.Mman;
import jhmm.mm.PageState;
import jhmm.mm.ThpMode;
import org.junit.jupiter.api.Test;

/**
 * THP settings that change what a CPU-side scenario sees: use_zero_page, and (Linux 6.12+)
 * splitting an anonymous THP maps its all-zero subpages to the shared zero page. The split
 * cases are those Linux 6.18 showed through pagemap and kpageflags.
 */
class ThpSettingsTest {
    private static final long P = MachineFixture.P;
    private static final long M2 = MachineFixture.M2;

    private static MachineFixture machine(MachineConfig config) {
        return new MachineFixture(config.withRam(256L << 20).withThp(ThpMode.ALWAYS));
    }

    /** A THP whose pages 0 and 3 hold data and page 2 was written with zeros; the rest never written. */
    private static long thpWithSomeData(MachineFixture t) {
        long a = t.anonAligned(t.p, M2, M2);
        assertThat(t.p.write(a, 4, Pattern.fillByte(1), a)).isZero();
        assertThat(t.p.write(a + 2 * P, 4, Pattern.ZERO, a)).isZero();
        assertThat(t.p.write(a + 3 * P + 5, 1, Pattern.fillByte(7), a)).isZero();
        assertThat(t.p.pageState(a)).isEqualTo(PageState.HUGE_PMD);
        return a;
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

    @Test
    void thpSplitMapsZeroFilledSubpagesToTheSharedZeroPage() {
        MachineFixture t = machine(MachineConfig.defaults());
        long a = thpWithSomeData(t);
        long free = t.machine.physicalMemory().buddy().freePages();
        assertThat(t.machine.splitThp(t.p, a)).isZero();
        assertThat(t.p.pageState(a)).isEqualTo(PageState.PRESENT_RW);
        assertThat(t.p.pageState(a + P)).isEqualTo(PageState.ZERO);
        assertThat(t.p.pageState(a + 2 * P)).as("written, but only with zeros").isEqualTo(PageState.ZERO);
        assertThat(t.p.pageState(a + 3 * P)).isEqualTo(PageState.PRESENT_RW);
        assertThat(t.p.pageState(a + M2 - P)).isEqualTo(PageState.ZERO);
        assertThat(t.machine.physicalMemory().buddy().freePages() - free).isEqualTo(510);
        assertThat(t.p.mm().rss()).isEqualTo(2);
        MachineFixture.assertReads(t.p, a + 3 * P + 5, 1, Pattern.fillByte(7), a);
        assertThat(t.p.write(a + P, 4, Pattern.fillByte(3), a)).as("a write to a zero page gets a new page").isZero();
        assertThat(t.p.pageState(a + P)).isEqualTo(PageState.PRESENT_RW);
        t.assertCoherent();
    }

    @Test
    void thpSplitKeepsEverySubpageBeforeLinux612() {
        MachineFixture t = machine(MachineConfig.defaults().withThpSplitZero(false));
        long a = thpWithSomeData(t);
        assertThat(t.machine.splitThp(t.p, a)).isZero();
        assertThat(t.p.pageState(a + P)).isEqualTo(PageState.PRESENT_RW);
        assertThat(t.p.mm().rss()).isEqualTo(512);
        t.assertCoherent();
    }

    @Test
    void thpSplitMapsZeroSubpagesInEveryProcessThatMapsThem() {
        MachineFixture t = machine(MachineConfig.defaults());
        long a = thpWithSomeData(t);
        UserProcess c = t.p.fork("c");
        assertThat(t.machine.splitThp(t.p, a)).isZero();
        for (UserProcess proc : new UserProcess[] {t.p, c}) {
            assertThat(proc.pageState(a + P)).as(proc.name()).isEqualTo(PageState.ZERO);
            assertThat(proc.pageState(a + 3 * P)).as(proc.name()).isEqualTo(PageState.PRESENT_RO);
            MachineFixture.assertReads(proc, a, 4, Pattern.fillByte(1), a);
        }
        t.assertCoherent();
    }

    @Test
    void pageoutOfAThpWithoutSwapSplitsItAndMapsZeroSubpagesToTheZeroPage() {
        MachineFixture t = machine(MachineConfig.defaults());
        long a = thpWithSomeData(t);
        assertThat(t.p.madvise(a + 5 * P, P, Mman.MADV_PAGEOUT)).isZero();
        assertThat(t.p.pageState(a)).isEqualTo(PageState.PRESENT_RW);
        assertThat(t.p.pageState(a + P)).isEqualTo(PageState.ZERO);
        assertThat(t.p.pageState(a + 5 * P)).isEqualTo(PageState.ZERO);
        assertThat(t.p.pageState(a + 3 * P)).isEqualTo(PageState.PRESENT_RW);
        t.assertCoherent();
    }

    @Test
    void splittingOnlyThePmdMappingKeepsZeroSubpagesMapped() {
        MachineFixture t = machine(MachineConfig.defaults());
        long a = thpWithSomeData(t);
        assertThat(t.p.munmap(a + M2 / 2, M2 / 2)).isZero();
        assertThat(t.p.mprotect(a + 8 * P, P, Mman.PROT_READ)).isZero();
        assertThat(t.p.pageState(a + P)).isEqualTo(PageState.PRESENT_RW);
        assertThat(t.p.pageState(a + 8 * P)).isEqualTo(PageState.PRESENT_RO);
        t.assertCoherent();
    }
}
