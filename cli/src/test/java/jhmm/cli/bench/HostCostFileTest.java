package jhmm.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import jhmm.perf.Comparison;
import jhmm.perf.Kind;
import jhmm.perf.Operation;
import jhmm.sim.config.SimConfig;
import jhmm.sim.cost.CostModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostCostFileTest {
    /** The host's 4 KiB figures become the simulation's Linux-side costs; THP rows and rows without a host figure do not. */
    @Test
    void theHostsFiguresBecomeTheSimulationsCosts(@TempDir Path dir) throws Exception {
        long g = 1L << 30;
        List<Comparison> rows = List.of(
                new Comparison(Operation.FAULT_IN, Kind.PAGE_4K, g, 150, 612.4, null, null),
                new Comparison(Operation.FAULT_IN, Kind.THP, g, 50, 700, null, null),
                new Comparison(Operation.PIN, Kind.PAGE_4K, g, 60, Double.NaN, "io_uring is not available", null),
                new Comparison(Operation.POPULATE_READ, Kind.PAGE_4K, g, 15, 66.6, null, null),
                new Comparison(Operation.MUNMAP, Kind.PAGE_4K, g, 15, 40, null, null));
        Path file = dir.resolve("host.conf");
        assertThat(HostCostFile.write(file, rows)).isEqualTo(2);
        CostModel reference = CostModel.from(SimConfig.reference().config());
        CostModel host = CostModel.from(SimConfig.reference().withFile(file).config());
        assertThat(host.cpuFault()).isEqualTo(612_000);
        assertThat(host.hmmRangeFaultPage()).isEqualTo(67_000);
        assertThat(host.pinPage()).isEqualTo(reference.pinPage());
        assertThat(Files.readString(file)).contains("# fault-in 4K");
    }
}
