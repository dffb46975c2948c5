package jhmm.diff;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import jhmm.scenario.Result;
import org.junit.jupiter.api.Test;

/** Comparing one command's outcome on the model with two runs of it on the host. */
class ComparisonTest {
    private static Snapshot one(int... codes) {
        int[] sharers = new int[codes.length];
        java.util.Arrays.fill(sharers, -1);
        return new Snapshot(List.of(new MappingView("p", "buf", 0x1000, codes.length * 4096L, codes, sharers)));
    }

    @Test
    void differentErrnoDiverges() {
        assertThat(Comparison.results(Result.OK, Result.error(14), Result.error(14)))
                .hasValueSatisfying(d -> assertThat(d).isEqualTo(new Divergence("result", "ok", "EFAULT")));
    }

    @Test
    void resultTheTwoHostRunsDisagreeOnIsNotCompared() {
        assertThat(Comparison.results(Result.OK, Result.error(14), Result.OK)).isEmpty();
    }

    @Test
    void dataDivergenceNamesTheFirstDifferingMappingOffset() {
        byte[] model = new byte[16];
        byte[] host = new byte[16];
        host[9] = 5;
        Result m = Result.read(model, 0x2000);
        Result h = Result.read(host, 0x2000);
        assertThat(Comparison.results(m, h, h)).hasValueSatisfying(d -> {
            assertThat(d.what()).isEqualTo("data at mapping offset 0x2009");
            assertThat(d.host()).isEqualTo("bytes 00 05 00 00 00 00 00 00");
        });
    }

    @Test
    void pageStateDivergesOnlyWhereBothHostRunsAgree() {
        int p = PageCodes.PRESENT;
        int thp = PageCodes.PRESENT | PageCodes.THP;
        assertThat(Comparison.pages(one(p, p), one(thp, p), one(p, p))).as("unstable page 0 skipped").isEmpty();
        assertThat(Comparison.pages(one(p, p), one(p, thp), one(p, thp))).hasValueSatisfying(d -> {
            assertThat(d.what()).isEqualTo("p buf page 1 (offset 0x1000)");
            assertThat(d.model()).isEqualTo("pages 0-1 present");
            assertThat(d.host()).isEqualTo("pages 0 present, 1 present+thp");
        });
    }

    @Test
    void runsAroundAFarPageStartWithAnEllipsis() {
        int[] codes = new int[300];
        codes[250] = PageCodes.ZERO;
        assertThat(Comparison.runs(codes, 250)).isEqualTo("pages 0-249 none, 250 zero, 251-299 none");
        codes[10] = PageCodes.SWAP;
        assertThat(Comparison.runs(codes, 250)).startsWith("pages ..., 11-249 none");
    }
}
