package jhmm.sim.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.regex.Pattern;
import jhmm.sim.config.SimConfig;
import jhmm.sim.gpu.GpuSim;
import jhmm.sim.gpu.GpuSimResult;
import jhmm.sim.gpu.GpuSimSettings;
import jhmm.sim.workload.Workload;
import org.junit.jupiter.api.Test;

class SimHtmlTest {
    private static GpuSimResult run(String prefetch) {
        return new GpuSim(GpuSimSettings.from(Workload.STREAM_READ, SimConfig.reference().with("workload.footprint", "8MiB")
                .with("gpu.chunks", "4K").with("gpu.prefetch", prefetch).config())).run();
    }

    /** Offline: the charting script and its style are in the page, nothing is fetched; every run's samples are there. */
    @Test
    void thePageCarriesItsScriptAndEveryRunsData() {
        List<GpuSimResult> runs = List.of(run("on"), run("off"));
        String html = SimHtml.of(List.of("gpu.prefetch=on", "gpu.prefetch=off"), runs, "a <pre> & text");
        assertThat(html).startsWith("<!doctype html>").contains("uPlot", ".uplot", "label:\"gpu.prefetch=on\"", "label:\"gpu.prefetch=off\"",
                "a &lt;pre&gt; &amp; text", "<title>jhmm sim stream-read</title>");
        assertThat(Pattern.compile("(src|href)=\"(https?:)?//").matcher(html).find()).isFalse();
        // one <script> for uPlot, one for the charts: nothing in the data closes a script early
        assertThat(html.split("</script>", -1)).hasSize(3);
        long samples = runs.get(1).timeline()[0].length;
        assertThat(html).contains(",bytesToGpu:[");
        String offRun = html.substring(html.indexOf("label:\"gpu.prefetch=off\""));
        String times = offRun.substring(offRun.indexOf(",t:[") + 4, offRun.indexOf("],cols:"));
        assertThat(times.split(",")).hasSize((int) samples);
    }

    /** The page's script, run under Node.js with a stubbed DOM: it draws every chart and both bar sets without an error. */
    @Test
    void thePagesScriptDrawsEveryChart() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(jhmm.junit.PageScripts.available(), "node is not installed here");
        String html = SimHtml.of(List.of("gpu.prefetch=on", "gpu.prefetch=off"), List.of(run("on"), run("off")), "text");
        String drawn = jhmm.junit.PageScripts.run(html);
        assertThat(drawn).contains("residency: chart of", "faults: chart of", "link: chart of", "distribution: ", "bars: ");
        assertThat(drawn.lines().filter(l -> l.startsWith("bars: ")).findFirst().orElseThrow()).contains("<svg").doesNotContain("(0 characters)");
    }

    /** A NIC comparison's page: its own charts (translated pages, faults), the operations' times as bars, every chart drawn. */
    @Test
    void aNicPageDrawsItsOwnCharts() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(jhmm.junit.PageScripts.available(), "node is not installed here");
        List<jhmm.sim.rnic.NicSimResult> runs = new java.util.ArrayList<>();
        for (String mr : List.of("pinned", "odp")) {
            runs.add(new jhmm.sim.rnic.NicSim(jhmm.sim.rnic.NicSimSettings.from(jhmm.sim.rnic.NicWorkload.RDMA_SPARSE,
                    SimConfig.reference().with("workload.footprint", "8MiB").with("nic.mr", mr).config())).run());
        }
        String html = SimHtml.of(List.of("nic.mr=pinned", "nic.mr=odp"), runs, "text");
        assertThat(html).contains("<title>jhmm sim rdma-sparse</title>", "Time per operation", "cols:{mappedPages:[");
        String drawn = jhmm.junit.PageScripts.run(html);
        assertThat(drawn).contains("mapped: chart of", "faults: chart of", "distribution: ", "bars: ");
    }
}
