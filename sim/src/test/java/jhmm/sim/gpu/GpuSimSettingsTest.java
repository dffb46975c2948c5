package jhmm.sim.gpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import jhmm.device.gpu.GpuPolicy;
import jhmm.device.gpu.ReplayPolicy;
import jhmm.sim.config.SimConfig;
import jhmm.sim.workload.Workload;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GpuSimSettingsTest {
    @Test
    void aPresetSetsTheKnobsAndEachKnobOverridesItAlone() {
        GpuSimSettings s = GpuSimSettings.from(Workload.STREAM_READ,
                SimConfig.reference().with("gpu.policy", "nouveau").with("gpu.prefetch", "on").config());
        assertThat(s.policy()).isEqualTo(GpuPolicy.NOUVEAU);
        assertThat(s.gpu().prefetch()).isTrue();
        assertThat(s.gpu().replay()).isEqualTo(ReplayPolicy.ONCE);
        assertThat(s.gpu().chunks()).containsExactly(4096);
    }

    @Test
    void oversubscriptionSizesTheVramFromTheFootprint() {
        GpuSimSettings s = GpuSimSettings.from(Workload.STREAM_READ,
                SimConfig.reference().with("workload.footprint", "300MiB").with("gpu.oversubscription", "150").config());
        assertThat(s.gpu().vramBytes()).isEqualTo(200L << 20);
        GpuSimSettings fit = GpuSimSettings.from(Workload.STREAM_READ, SimConfig.reference().with("workload.footprint", "300MiB").config());
        assertThat(fit.gpu().vramBytes()).isEqualTo(300L << 20);
    }

    @Test
    void aTypoInAKeyOrAValueIsRefusedByName(@TempDir Path dir) throws Exception {
        assertThatThrownBy(() -> SimConfig.reference().with("gpu.prefetc", "off"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("jhmm.sim.gpu.prefetc is not a setting");
        assertThatThrownBy(() -> GpuSimSettings.from(Workload.STREAM_READ, SimConfig.reference().with("gpu.prefetch", "maybe").config()))
                .hasMessage("jhmm.sim.gpu.prefetch: \"maybe\" is not on, off or preset");
        assertThatThrownBy(() -> GpuSimSettings.from(Workload.STREAM_READ, SimConfig.reference().with("gpu.replay", "never").config()))
                .hasMessageStartingWith("jhmm.sim.gpu.replay: \"never\" is not one of block, batch, batch-flush, once");
        assertThatThrownBy(() -> GpuSimSettings.from(Workload.STREAM_READ, SimConfig.reference().with("workload.footprint", "3MiB").config()))
                .hasMessageContaining("multiple of 2MiB");
        assertThatThrownBy(() -> GpuSimSettings.from(Workload.STREAM_READ, SimConfig.reference().with("cost.linux.dma-map", "fast").config()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("dma-map");
        Path f = dir.resolve("costs.conf");
        Files.writeString(f, "jhmm.sim.cost.linux.dma-map = 1us\njhmm.sim.cost.link.generation = 4\n");
        GpuSimSettings s = GpuSimSettings.from(Workload.STREAM_READ, SimConfig.reference().withFile(f).config());
        assertThat(s.cost().dmaMap()).isEqualTo(1_000_000);
        assertThat(s.cost().linkBytesPerSecond()).isEqualTo(24.2e9);
        Files.writeString(f, "jhmm.sim.cost.linux.dma-mapp = 1us\n");
        assertThatThrownBy(() -> SimConfig.reference().withFile(f)).hasMessageContaining("costs.conf: jhmm.sim.cost.linux.dma-mapp is not a setting");
    }
}
