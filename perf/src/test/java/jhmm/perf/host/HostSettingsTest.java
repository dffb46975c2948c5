package jhmm.perf.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** HostSettings on fake /sys and /proc trees. */
class HostSettingsTest {
    @TempDir
    Path root;

    private void put(String path, String text) throws IOException {
        Path p = root.resolve(path);
        Files.createDirectories(p.getParent());
        Files.writeString(p, text);
    }

    private void thp(String name, String text) throws IOException {
        put("sys/kernel/mm/transparent_hugepage/" + name, text + "\n");
    }

    @Test
    void readsTheSelectedWordsNumbersSwapAndRelease() throws IOException {
        put("proc/sys/kernel/osrelease", "6.18.44-fc-v1272\n");
        thp("enabled", "[always] madvise never");
        thp("defrag", "always defer [defer+madvise] madvise never");
        thp("use_zero_page", "0");
        thp("khugepaged/max_ptes_none", "64");
        thp("shmem_enabled", "always [within_size] advise never deny force");
        put("sys/kernel/debug/fault_around_bytes", "16384\n");
        put("proc/swaps", """
                Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority
                /dev/vdb                                partition\t1048576\t\t0\t\t-2
                /swapfile                               file\t\t8\t\t0\t\t-3
                """);
        HostSettings s = HostSettings.read(root);
        assertThat(s.notes()).isEmpty();
        assertThat(s.machineOptions()).isEqualTo("thp=always thp-defrag=defer+madvise thp-zero-page=off max-ptes-none=64 "
                + "shmem-thp=within_size fault-around=16384 swap=1073750016 thp-split-zero=on");
        assertThat(s.describe()).startsWith("Linux 6.18.44-fc-v1272: THP enabled=always defrag=defer+madvise")
                .contains("fault_around_bytes=16384").doesNotContain("unreadable");
    }

    @Test
    void anUnreadableFaultAroundBytesTakesTheKernelDefaultAndSaysSo() throws IOException {
        put("proc/sys/kernel/osrelease", "6.18.0\n");
        thp("enabled", "always [madvise] never");
        thp("defrag", "always defer defer+madvise [madvise] never");
        thp("use_zero_page", "1");
        thp("khugepaged/max_ptes_none", "511");
        thp("shmem_enabled", "always within_size advise [never] deny force");
        put("proc/swaps", "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n");
        HostSettings s = HostSettings.read(root);
        assertThat(s.faultAroundBytes()).isEqualTo(65536);
        assertThat(s.notes()).containsExactly("fault_around_bytes unreadable: kernel default 65536");
        assertThat(s.machineOptions()).isEqualTo("thp=madvise thp-defrag=madvise thp-zero-page=on max-ptes-none=511 "
                + "shmem-thp=never fault-around=65536 swap=0 thp-split-zero=on");
        assertThat(s.describe()).contains("swap none").endsWith("(fault_around_bytes unreadable: kernel default 65536)");
    }

    @Test
    void kernelsBefore612DoNotMapZeroSubpagesOnSplit() throws IOException {
        put("proc/sys/kernel/osrelease", "6.11.9\n");
        assertThat(HostSettings.read(root).thpSplitZero()).isFalse();
        put("proc/sys/kernel/osrelease", "6.12.0\n");
        assertThat(HostSettings.read(root).thpSplitZero()).isTrue();
        put("proc/sys/kernel/osrelease", "5.15.0-100-generic\n");
        assertThat(HostSettings.read(root).thpSplitZero()).isFalse();
    }

    @Test
    void aHostWithoutThpGetsTheDefaultsNamedInTheNotes() {
        HostSettings s = HostSettings.read(root);
        assertThat(s.thp()).isEqualTo("madvise");
        assertThat(s.maxPtesNone()).isEqualTo(511);
        assertThat(s.notes()).contains("enabled unreadable: kernel default madvise", "/proc/swaps unreadable: no swap");
    }
}
