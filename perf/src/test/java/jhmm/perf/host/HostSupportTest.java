package jhmm.perf.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import jhmm.perf.Kind;
import jhmm.perf.Operation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The reasons a host side does not run, on any OS. */
class HostSupportTest {
    @Test
    void thpSettingNeverIsAReasonForThpRowsOnly(@TempDir Path dir) throws IOException {
        Path never = Files.writeString(dir.resolve("never"), "always madvise [never]\n");
        Path madvise = Files.writeString(dir.resolve("madvise"), "always [madvise] never\n");
        assertThat(HostSupport.thpReason(never)).contains("never");
        assertThat(HostSupport.thpReason(madvise)).isNull();
        assertThat(HostSupport.thpReason(dir.resolve("missing"))).contains("no THP");
        HostSupport s = new HostSupport(null, "THP off", 24L << 30, null);
        assertThat(s.reason(Kind.PAGE_4K)).isNull();
        assertThat(s.reason(Kind.THP)).isEqualTo("THP off");
        HostSupport none = new HostSupport("host is Mac OS X, not Linux", null, 0, null);
        assertThat(none.reason(Kind.PAGE_4K)).isEqualTo(none.reason(Kind.THP)).contains("not Linux");
    }

    @Test
    void aRangeMustFitInHalfTheFreeRam(@TempDir Path dir) throws IOException {
        Path meminfo = Files.writeString(dir.resolve("meminfo"), "MemTotal:       24000000 kB\nMemAvailable:   25165824 kB\n");
        long available = HostSupport.memAvailable(meminfo);
        assertThat(available).isEqualTo(24L << 30);
        assertThat(HostSupport.memAvailable(dir.resolve("missing"))).isZero();
        HostSupport s = new HostSupport(null, null, available, null);
        assertThat(s.reason(Kind.PAGE_4K, 12L << 30)).isNull();
        assertThat(s.reason(Kind.THP, 16L << 30)).isEqualTo("host RAM: 24.0 GiB available");
        assertThat(new HostSupport(null, "THP off", available, null).reason(Kind.THP, 1L << 20)).isEqualTo("THP off");
    }

    @Test
    void withoutIoUringOnlyThePinRowLacksItsHostSide() {
        HostSupport s = new HostSupport(null, null, 24L << 30, "io_uring disabled on the host (sysctl kernel.io_uring_disabled)");
        assertThat(Operation.PIN.hostMissing(s, Kind.THP, 1L << 30)).contains("io_uring disabled");
        assertThat(Operation.POPULATE_READ.hostMissing(s, Kind.THP, 1L << 30)).isNull();
        HostSupport mac = new HostSupport("host is Mac OS X, not Linux", null, 0, null);
        assertThat(Operation.PIN.hostMissing(mac, Kind.PAGE_4K, 1L << 30)).contains("not Linux");
    }
}
