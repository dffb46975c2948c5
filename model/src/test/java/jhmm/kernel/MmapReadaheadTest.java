package jhmm.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import jhmm.base.Pattern;
import jhmm.mm.FileInode;
import jhmm.mm.Mman;
import jhmm.mm.PageState;
import org.junit.jupiter.api.Test;

/**
 * What a fault in a file mapping reads into the page cache (filemap_fault's mmap readahead)
 * and what fault-around then maps. Each case is one Linux 6.18 gave on ext4 with
 * read_ahead_kb 8192, accessing through /proc/self/mem (no fault retry) and looking with
 * mincore and pagemap.
 */
class MmapReadaheadTest {
    private static final long P = MachineFixture.P;
    private static final long M2 = MachineFixture.M2;

    private final MachineFixture t = new MachineFixture(MachineConfig.defaults().withRam(256L << 20));

    /** A file of {@code pages} pages, written and so all cached, mapped by p at a 2 MiB boundary. */
    private long mapWritten(String name, long pages, long mapPages, int flags) {
        FileInode f = t.machine.createFile(name, pages * P, Pattern.i32(0), true);
        long a = t.p.mmapAligned(mapPages * P, M2, MachineFixture.RW, flags, f, 0);
        assertThat(a).isPositive();
        return a;
    }

    /** One digit a page of p from page {@code from} to {@code to}: 1 mapped, 0 not. */
    private String present(long a, int from, int to) {
        StringBuilder s = new StringBuilder();
        for (int i = from; i <= to; i++) {
            s.append(t.p.pageState(a + i * P) == PageState.NONE ? '0' : '1');
        }
        return s.toString();
    }

    private void read(long a, int page) {
        MachineFixture.assertReads(t.p, a + page * P, 4, Pattern.i32(0), a);
    }

    /**
     * MADV_PAGEOUT unmaps a dirty file page but may not write it back (only kswapd does), so
     * it stays cached with PG_reclaim, the bit PG_readahead shares: fault-around passes over
     * it, and only its own fault maps it again.
     */
    @Test
    void pageoutKeepsDirtyFilePageMarkedReclaimAndFaultAroundSkipsIt() {
        long a = mapWritten("f", 64, 64, Mman.MAP_SHARED);
        for (int i = 0; i <= 10; i++) {
            assertThat(t.p.write(a + i * P, 4, Pattern.i32(0), a)).isZero();
        }
        assertThat(t.p.madvise(a, 64 * P, Mman.MADV_PAGEOUT)).isZero();
        assertThat(present(a, 0, 15)).isEqualTo("0".repeat(16));
        read(a, 5);
        assertThat(present(a, 0, 15)).isEqualTo("00000100000" + "11111");
        read(a, 6);
        assertThat(present(a, 0, 15)).isEqualTo("00000110000" + "11111");
        t.assertCoherent();
    }

    /**
     * A miss reads RA_PAGES around it (page_cache_ra_order); at the first page still cached it
     * reads on in single pages (do_page_cache_ra), which cuts the window at EOF and so marks
     * the page 512 (async_size) before EOF with PG_readahead: fault-around leaves that one out.
     */
    @Test
    void readAroundAfterACachedPageMarksThePageAsyncSizeBeforeEof() {
        long a = mapWritten("f", 1035, 1035, Mman.MAP_SHARED);
        assertThat(t.p.madvise(a, 1035 * P, Mman.MADV_POPULATE_READ)).isZero();
        assertThat(t.p.madvise(a, 500 * P, Mman.MADV_PAGEOUT)).isZero();
        assertThat(t.p.madvise(a + 511 * P, 524 * P, Mman.MADV_PAGEOUT)).isZero();
        read(a, 5);
        read(a, 530);
        read(a, 520);
        assertThat(present(a, 512, 543)).isEqualTo("1".repeat(11) + "0" + "1".repeat(20));
        t.assertCoherent();
    }

    /**
     * filemap_map_pages installs the PTE table of a fault that had none only on its way to a PMD
     * mapping, which it does not try when the first page it could map is in the file's last
     * folio: then it maps nothing (a fault past EOF of a 17-page file, window 16..31). With 18
     * pages, or with the table there already (a store into the page table's other VMA), it maps.
     */
    @Test
    void faultAroundWithoutPteTableMapsNothingWhenItStartsInTheLastFolio() {
        long a = mapWritten("f17", 17, 32, Mman.MAP_SHARED);
        assertThat(t.p.read(a + 20 * P, new byte[4], 0, 4)).isNotZero();
        assertThat(present(a, 0, 31)).isEqualTo("0".repeat(32));
        assertThat(t.p.read(a + 20 * P, new byte[4], 0, 4)).as("again: the failed fault left no table").isNotZero();
        assertThat(present(a, 16, 16)).isEqualTo("0");
        long b = mapWritten("f18", 18, 32, Mman.MAP_SHARED);
        assertThat(t.p.read(b + 20 * P, new byte[4], 0, 4)).isNotZero();
        assertThat(present(b, 16, 31)).isEqualTo("11" + "0".repeat(14));
        long c = mapWritten("f2", 2, 3, Mman.MAP_PRIVATE);
        assertThat(t.p.mprotect(c + P, 2 * P, MachineFixture.RW)).isZero(); // [c + P, c + 3P) a VMA of its own
        assertThat(t.p.write(c, 1, Pattern.ZERO, c)).isZero();
        assertThat(t.p.read(c + 2 * P, new byte[4], 0, 4)).isNotZero();
        assertThat(present(c, 0, 2)).isEqualTo("110");
        t.assertCoherent();
    }

    /** Each mmap opens the file anew, and is_mergeable_vma wants the same struct file: adjacent mappings of one file stay apart. */
    @Test
    void mappingsOfTwoOpensOfOneFileDoNotMerge() {
        FileInode f = t.machine.createFile("f", 8 * P, Pattern.i32(0), true);
        long a = t.p.mmapAligned(4 * P, M2, Mman.PROT_READ, Mman.MAP_SHARED, f, 0);
        assertThat(t.p.mmap(a + 4 * P, 4 * P, Mman.PROT_READ, Mman.MAP_SHARED | Mman.MAP_FIXED, f, 4 * P)).isEqualTo(a + 4 * P);
        assertThat(t.p.mm().vmasIn(a, a + 8 * P)).hasSize(2);
    }

    /**
     * In a VM_HUGEPAGE mapping a miss reads the two PMD-sized folios from its aligned 2 MiB
     * (ra->size 1024), nothing beyond.
     */
    @Test
    void missInHugepageMappingReadsTwoPmdFoliosFromTheAlignedIndex() {
        FileInode f = t.machine.createFile("f", 1035 * P, Pattern.i32(0), true);
        long a = t.p.mmapAligned(1035 * P, M2, Mman.PROT_READ, Mman.MAP_SHARED, f, 0);
        assertThat(t.p.madvise(a, 1035 * P, Mman.MADV_HUGEPAGE)).isZero();
        assertThat(t.p.madvise(a, 1035 * P, Mman.MADV_POPULATE_READ)).isZero();
        assertThat(t.p.madvise(a, 1035 * P, Mman.MADV_PAGEOUT)).isZero();
        assertThat(f.cachedPfn(0)).isNegative();
        read(a, 333);
        assertThat(f.cachedPfn(0)).isNotNegative();
        assertThat(f.cachedPfn(1023)).isNotNegative();
        assertThat(f.cachedPfn(1024)).isNegative();
        t.assertCoherent();
    }
}
