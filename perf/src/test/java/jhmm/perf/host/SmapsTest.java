package jhmm.perf.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The THP count of a range read from smaps text: only the mappings inside the range count. */
class SmapsTest {
    private static final String SMAPS = """
            7f0000000000-7f0000200000 rw-p 00000000 00:00 0
            Size:               2048 kB
            AnonHugePages:      2048 kB
            7f0000200000-7f0000600000 rw-p 00000000 00:00 0
            Size:               4096 kB
            AnonHugePages:      2048 kB
            VmFlags: rd wr mr mw me ac hg
            7f0000600000-7f0000800000 rw-p 00000000 00:00 0
            AnonHugePages:      2048 kB
            """;

    @Test
    void countsTheMappingsInsideTheRange(@TempDir Path dir) throws IOException {
        Path smaps = Files.writeString(dir.resolve("smaps"), SMAPS);
        assertThat(Smaps.anonHugeBytes(smaps, 0x7f0000200000L, 0x7f0000600000L)).isEqualTo(2L << 20);
        assertThat(Smaps.anonHugeBytes(smaps, 0x7f0000000000L, 0x7f0000800000L)).isEqualTo(6L << 20);
        assertThat(Smaps.anonHugeBytes(smaps, 0x7f0000100000L, 0x7f0000500000L)).as("no mapping wholly inside").isZero();
        assertThat(Smaps.anonHugeBytes(dir.resolve("missing"), 0, 1)).isEqualTo(-1);
    }
}
