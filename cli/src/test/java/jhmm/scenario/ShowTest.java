package jhmm.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code show P [M]}, {@code show D}, {@code show machine}: the model's state as a user reads it. */
class ShowTest {
    private static final String BUF = "machine ram=64M\nprocess p\np mmap buf 8p rw anon-private\n";

    /** What the scenario's show commands print, the VMA address lines left out (addresses are the model's choice). */
    private static List<String> shown(String text) {
        StringWriter out = new StringWriter();
        FileReport r = ScenarioRunner.run(ScenarioParser.parse("t.scn", text), false, Transcript.printing(new PrintWriter(out), false));
        assertThat(r.failures()).isEmpty();
        return out.toString().lines().map(l -> l.replaceFirst("^  [0-9a-f]+-[0-9a-f]+ ", "  VMA ")).toList();
    }

    /** mprotect of the middle of a VMA splits it in three; written pages are present, the others none. */
    @Test
    void aProcessShowsItsVmasAndEachPagesStateRunTogether() {
        assertThat(shown(BUF + "p write buf 0 3p i32\np mprotect buf r off=2p len=2p\nshow p\n")).containsExactly(
                "process p: 3 VMAs, 3 pages resident",
                "  VMA rw-p anon 2p",
                "    buf 0 len=2p state=present-rw",
                "  VMA r--p anon 2p",
                "    buf 2p len=1p state=present-ro",
                "    buf 3p len=1p state=none",
                "  VMA rw-p anon 4p",
                "    buf 4p len=4p state=none");
    }

    /**
     * With a mapping named, only its pages show, by their offsets in it. Shared anonymous memory
     * is shmem: a read fault maps a page of its page cache (not the zero page), read-only here.
     */
    @Test
    void aMappingShowsOnlyItsOwnPages() {
        assertThat(shown(BUF + "p mmap other 2p r anon-shared\np read other 0 1p\nshow p other\n")).containsExactly(
                "process p: 2 VMAs, 1 pages resident",
                "  VMA r--s shmem 2p",
                "    other 0 len=1p state=present-ro",
                "    other 1p len=1p state=none");
        assertThat(shown("file f 2p\nprocess p\np mmap m 2p r file-private file=f\nshow p\n"))
                .contains("  VMA r--p file f 2p");
    }

    /** A read of a private anonymous page never written maps the shared zero page. */
    @Test
    void zeroPageAndThpStatesUseTheExpectWords() {
        assertThat(shown(BUF + "p read buf 0 1p\nshow p buf\n")).contains("    buf 0 len=1p state=zero");
        assertThat(shown("machine ram=64M thp=always\nprocess p\np mmap h 2M rw anon-private align=2M\np write h 0 1p i32\nshow p h\n"))
                .contains("    h 0 len=2M state=huge-pmd");
    }

    /** The device table: what the device read maps for reading, migrated pages are in device memory. */
    @Test
    void aDeviceShowsItsTableAndDmaMappings() {
        String dev = BUF + "device d0 dmirror\nd0 open p\np write buf 0 8p i32\np mprotect buf r len=2p\n";
        assertThat(shown(dev + "d0 read buf 0 2\nd0 migrate-to-dev buf 4p 2\nd0 dma-map buf 6p 2 via=gup\nshow d0\nd0 dma-unmap buf\n"))
                .containsExactly(
                        "device d0: dmirror, memory=private, 2 device pages in use, open on p, 4 pages mirrored",
                        "    buf 0 len=2p read system memory",
                        "    buf 4p len=2p write device memory",
                        "  dma-map of p buf");
        assertThat(shown("process p\ndevice d0 dmirror\nshow d0\n"))
                .containsExactly("device d0: dmirror, memory=private, 0 device pages in use, not open");
    }

    @Test
    void theMachineShowsMemoryPoolsAndCounters() {
        List<String> lines = shown("machine ram=64M hugetlb-2m=2 swap=1M\nprocess p\np mmap buf 2p rw anon-private\n"
                + "p write buf 0 2p i32\np fork c\nc write buf 0 1p i32\nkernel swapout p buf\nshow machine\n");
        assertThat(lines.get(0)).matches("machine: ram 64M, \\d+ of 16384 pages free, swap 2 of 256 pages used, thp=madvise, iommu=on");
        assertThat(lines.get(1)).isEqualTo("  hugetlb 2M: 2 of 2 free");
        // Two first-touch faults and one copy-on-write fault, which copies one page; swapping
        // out p's two pages (one still shared with c) takes two slots.
        assertThat(lines.get(2)).startsWith("  counters: pgfault=3 cow=1 ").contains(" pswpout=2 ");
    }

    @Test
    void badShowLinesNameTheWord() {
        assertThatThrownBy(() -> ScenarioParser.parse("t.scn", "process p\nshow q\n"))
                .hasMessage("t.scn:2: unknown word 'q' after 'show' (expected machine, a process or a device)");
        assertThatThrownBy(() -> ScenarioParser.parse("t.scn", "process p\nshow p nope\n"))
                .hasMessageContaining("t.scn:2: undefined mapping 'nope'");
        assertThatThrownBy(() -> ScenarioParser.parse("t.scn", "show machine now\n"))
                .hasMessageContaining("t.scn:1: unknown word 'now'");
        assertThatThrownBy(() -> ScenarioParser.parse("t.scn", "process show\n"))
                .hasMessage("t.scn:1: 'show' is a reserved word and cannot name a process or device");
    }

    /** show G: a GPU's VRAM and its page table over the open address space, runs of entries of one kind together. */
    @Test
    void aGpuShowsItsVramAndItsPageTableInRuns() {
        assertThat(shown("""
                machine ram=64M
                process p
                p mmap buf 4M rw anon-private align=2M
                p write buf 0 4M i32
                device g gpu
                show g
                g open p
                g access buf 0 1M read warps=4
                p mmap small 64K rw anon-private
                p write small 0 64K i32
                g advise small preferred=sys
                g access small 0 64K write warps=2
                show g
                """)).containsExactly(
                "device g: gpu, VRAM 64M (0 of 32 2M chunks in use), not open",
                "device g: gpu, VRAM 64M (1 of 32 2M chunks in use), open on p, 528 pages mapped",
                "    small 0 len=16p rw system memory, 1p entries",
                "    buf 0 len=2M rw vram, 2M entries");
    }

    /** show N: an RDMA NIC's limit, the opener's pinned_vm, and each region with its valid entries (and stale pages). */
    @Test
    void anRdmaNicShowsPinnedVmAndItsRegions() {
        assertThat(shown("""
                machine ram=64M
                process p
                p mmap buf 64K rw anon-private
                p mmap odp 64K rw anon-private
                p write odp 0 16K i32
                device n rnic
                show n
                n open p
                n reg buf
                n reg odp odp readonly
                p munmap buf
                show n
                """)).containsExactly(
                "device n: rnic, memlock=8M, not open",
                "device n: rnic, memlock=8M, open on p, pinned_vm=16p",
                "    buf: pinned rw len=16p, 16 pages mapped, 16 stale",
                "    odp: odp ro len=16p, 4 pages mapped");
    }
}
