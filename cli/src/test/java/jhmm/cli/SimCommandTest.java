package jhmm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class SimCommandTest {
    @Test
    void listNamesTheWorkloadsOneALine() {
        CliRun r = CliRun.of("sim", "--list");
        assertThat(r.exit()).isZero();
        assertThat(r.out().lines()).containsExactly("stream-read", "stream-write", "stream-rmw", "strided", "random", "hot-cold",
                "stencil", "matmul", "ping-pong", "rdma-dense", "rdma-sparse", "rdma-fork", "rdma-remap", "rdma-migrate",
                "rdma-pressure");
    }

    /** A NIC workload, pinned against ODP: the comparison's rows, its JSON, and --write-trace refused for it. */
    @Test
    void aNicWorkloadComparesPinnedWithOdp() throws Exception {
        CliRun r = CliRun.of("sim", "rdma-remap", "--footprint", "8M", "--compare", "nic.mr=pinned,odp");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).startsWith("jhmm sim rdma-remap, by nic.mr\n").contains("nic.mr=pinned", "nic.mr=odp", "registration ",
                "rnr-wait ", "stale ", "per operation ", "pinned ");
        String stale = r.out().lines().filter(l -> l.startsWith("stale ")).findFirst().orElseThrow();
        assertThat(stale.trim().split(" +")).containsExactly("stale", "2048", "0");
        JsonNode one = new ObjectMapper().readTree(CliRun.of("sim", "rdma-dense", "--footprint", "8M", "--set", "nic.mr=odp", "--json").out());
        assertThat(one.get("settings").get("mr").asText()).isEqualTo("odp");
        assertThat(one.get("roundPs").size()).isEqualTo(3);
        assertThat(one.get("counts").get("faults").asLong()).isEqualTo(128);
        CliRun trace = CliRun.of("sim", "rdma-dense", "--write-trace", "x.trace");
        assertThat(trace.exit()).isEqualTo(2);
        assertThat(trace.err()).contains("rdma-dense is a NIC workload");
    }

    @Test
    void settingsPrintsTheCommentedReference() {
        CliRun r = CliRun.of("sim", "--settings");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("jhmm.sim {", "cpu-fault = ", "[host: fault-in 4K]", "gen3-bandwidth");
    }

    @Test
    void aRunPrintsTheTimeItsBreakdownCountsAndBandwidth() {
        CliRun r = CliRun.of("sim", "stream-read", "--footprint", "8M", "--iterations", "2", "--warps", "8");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).startsWith("jhmm sim stream-read: ")
                .contains("  buffer   8 MiB, 2 kernels of 8 warps", "Simulated time  ", "  kernel 2  ", "Where the time went",
                        "  copy-to-gpu ", "Counts", "  to-vram               2048  pages migrated to VRAM", "Bandwidth");
        assertThat(CliRun.of("sim", "stream-read", "--footprint", "8M", "--iterations", "2", "--warps", "8").out()).isEqualTo(r.out());
    }

    @Test
    void compareRunsEachValueSideBySideAndJsonCarriesEveryRun() throws Exception {
        CliRun r = CliRun.of("sim", "stream-read", "--footprint", "8M", "--set", "gpu.chunks=4K", "--compare", "gpu.prefetch=on,off",
                "--json");
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode root = new ObjectMapper().readTree(r.out());
        assertThat(root.get("runs")).hasSize(2);
        JsonNode on = root.get("runs").get(0);
        JsonNode off = root.get("runs").get(1);
        assertThat(on.get("label").asText()).isEqualTo("gpu.prefetch=on");
        assertThat(on.get("settings").get("prefetch").asBoolean()).isTrue();
        assertThat(off.get("counts").get("faults").asLong()).isGreaterThan(on.get("counts").get("faults").asLong());
        assertThat(on.get("chargesPs").get("copyToGpu").asLong()).isPositive();
        CliRun text = CliRun.of("sim", "stream-read", "--footprint", "8M", "--compare", "gpu.oversubscription=0,150");
        assertThat(text.out()).contains("gpu.oversubscription=0", "gpu.oversubscription=150", "simulated time ", "evictions ");
    }

    @Test
    void reportWritesOnePageAndTraceReplaysWhatWriteTraceWrote(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path page = dir.resolve("r.html");
        CliRun r = CliRun.of("sim", "hot-cold", "--footprint", "8M", "--warps", "8", "--report", page.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(java.nio.file.Files.readString(page)).contains("<title>jhmm sim hot-cold</title>", "Simulated time  ");
        java.nio.file.Path trace = dir.resolve("h.bin");
        assertThat(CliRun.of("sim", "hot-cold", "--footprint", "8M", "--warps", "8", "--write-trace", trace.toString(), "--binary")
                .exit()).isZero();
        CliRun replay = CliRun.of("sim", "--trace", trace.toString());
        assertThat(replay.exit()).as(replay.err()).isZero();
        String time = r.out().lines().filter(l -> l.startsWith("Simulated time")).findFirst().orElseThrow();
        assertThat(replay.out()).startsWith("jhmm sim trace h.bin: a recorded trace: 3 kernels, 8 warps").contains(time);
    }

    @Test
    void badInputIsRefusedWithWhatWasWrong() {
        CliRun none = CliRun.of("sim", "strem-read");
        assertThat(none.exit()).isEqualTo(2);
        assertThat(none.err()).isEqualTo("jhmm sim: no workload \"strem-read\" (jhmm sim --list names them)\n");
        CliRun key = CliRun.of("sim", "stream-read", "--set", "gpu.prefetc=off");
        assertThat(key.exit()).isEqualTo(2);
        assertThat(key.err()).contains("jhmm.sim.gpu.prefetc is not a setting");
        CliRun value = CliRun.of("sim", "stream-read", "--footprint", "3M");
        assertThat(value.exit()).isEqualTo(2);
        assertThat(value.err()).contains("footprint must be a positive multiple of 2MiB");
        CliRun huge = CliRun.of("sim", "stream-read", "--footprint", "3000G");
        assertThat(huge.exit()).isEqualTo(2);
        assertThat(huge.err()).contains("is too large");
        CliRun file = CliRun.of("sim", "stream-read", "--config", "/no/such.conf");
        assertThat(file.exit()).isEqualTo(2);
        assertThat(file.err()).contains("/no/such.conf: no such file");
    }
}
