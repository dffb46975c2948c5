package jhmm.phys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** A zone's watermarks as the kernel derives them (__setup_per_zone_wmarks), checked against the host's zones. */
class WatermarksTest {
    /**
     * Every populated zone of the host: low and high sit one and two steps above min, a step
     * being a quarter of min or 10/10000 of the zone (watermark_scale_factor), whichever is larger.
     */
    @Test
    void lowAndHighSitOneAndTwoStepsAboveMinOnTheHost() throws Exception {
        assumeTrue(Files.isReadable(HostZones.ZONEINFO), "no /proc/zoneinfo");
        assumeTrue(Files.readAllLines(Path.of("/proc/sys/vm/watermark_scale_factor")).getFirst().strip()
                .equals(String.valueOf(Watermarks.SCALE_FACTOR)), "the host's watermark_scale_factor is not the default");
        HostZones host = HostZones.read();
        assertThat(host.zones()).isNotEmpty();
        for (HostZones.Zone z : host.zones()) {
            Watermarks w = Watermarks.of(z.get("min"), z.get("managed"));
            assertThat(w.low()).as("%s low", z.name()).isEqualTo(z.get("low"));
            assertThat(w.high()).as("%s high", z.name()).isEqualTo(z.get("high"));
        }
    }

    /** min_free_kbytes at boot: sqrt(16 x KiB of memory), between 128 KiB and 256 MiB. */
    @Test
    void minFreeKbytesGrowsAsTheSquareRootOfMemory() {
        assertThat(Watermarks.minFreeKbytes((1L << 30) / 4096)).as("1 GiB").isEqualTo(4096);
        assertThat(Watermarks.minFreeKbytes((16L << 30) / 4096)).as("16 GiB").isEqualTo(16384);
        assertThat(Watermarks.minFreeKbytes(256)).as("1 MiB: the floor").isEqualTo(128);
        assertThat(Watermarks.minFreeKbytes((1L << 50) / 4096)).as("1 PiB: the ceiling").isEqualTo(262_144);
        Watermarks w = Watermarks.forZone((1L << 30) / 4096);
        assertThat(w.min()).as("4 MiB of 4 KiB pages").isEqualTo(1024);
        assertThat(w.low()).as("step: 10/10000 of 262144 pages beats a quarter of min").isEqualTo(1024 + 262);
    }
}
