package jhmm.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import jhmm.base.Pattern;
import jhmm.mm.FileInode;
import jhmm.mm.Mman;
import jhmm.mm.PageState;
import org.junit.jupiter.api.Test;

/**
 * Fault-around (do_fault_around, filemap_map_pages): a read fault in a file mapping also maps
 * the cached pages of the aligned fault_around_bytes window around it, inside the VMA and the
 * page table. The windows below are those Linux 6.18 gave for the same layouts (pagemap).
 */
class FaultAroundTest {
    private static final long P = MachineFixture.P;
    private static final long M2 = MachineFixture.M2;

    /** A machine with a 64-page file and a process p that maps it. */
    private static final class Setup {
        final MachineFixture t;
        final FileInode file;

        Setup(MachineConfig config) {
            t = new MachineFixture(config.withRam(256L << 20));
            file = t.machine.createFile("f", 64 * P, Pattern.i32(0));
        }

        /**
         * Leaves just the given pages of the file in the page cache: another process's shared
         * write fault reads the whole (small) file around it, MADV_PAGEOUT drops the others
         * once that process has them mapped.
         */
        void cache(long... pages) {
            UserProcess w = t.machine.createProcess("w");
            long a = w.mmap(0, 64 * P, MachineFixture.RW, Mman.MAP_SHARED, file, 0);
            java.util.Set<Long> keep = new java.util.HashSet<>();
            for (long page : pages) {
                assertThat(w.write(a + page * P, 4, Pattern.i32(0), a)).isZero();
                keep.add(page);
            }
            MachineFixture.assertReads(w, a, 64 * P, Pattern.i32(0), a); // maps every page, so pageout finds them
            for (long page = 0; page < 64; page++) {
                if (!keep.contains(page)) {
                    assertThat(w.madvise(a + page * P, P, Mman.MADV_PAGEOUT)).isZero();
                }
            }
        }

        void cacheAll() {
            cache(java.util.stream.LongStream.range(0, 64).toArray());
        }

        /** p maps {@code pages} file pages from {@code offset} at a 2 MiB boundary plus {@code shift}. */
        long mapAt(long shift, long pages, int prot, int flags, long offset) {
            long hole = t.anonAligned(t.p, 2 * M2, M2);
            long a = t.p.mmap(hole + shift, pages * P, prot, flags | Mman.MAP_FIXED, file, offset);
            assertThat(a).isEqualTo(hole + shift);
            return a;
        }

        /** One digit a page from {@code a}: 1 mapped, 0 not. */
        String present(long a, int pages) {
            StringBuilder s = new StringBuilder();
            for (int i = 0; i < pages; i++) {
                s.append(t.p.pageState(a + i * P) == PageState.NONE ? '0' : '1');
            }
            return s.toString();
        }
    }

    private final Setup s = new Setup(MachineConfig.defaults());
    private final MachineFixture t = s.t;

    @Test
    void readFaultInFileMappingMapsCachedPagesAround() {
        s.cacheAll();
        long a = s.mapAt(0, 64, Mman.PROT_READ, Mman.MAP_PRIVATE, 0);
        MachineFixture.assertReads(t.p, a + 20 * P, 4, Pattern.i32(0), a);
        assertThat(s.present(a, 64)).isEqualTo("0".repeat(16) + "1".repeat(16) + "0".repeat(32));
        assertThat(t.p.pageState(a + 16 * P)).isEqualTo(PageState.PRESENT_RO);
        assertThat(t.p.mm().rss()).isEqualTo(16);
        MachineFixture.assertReads(t.p, a + 16 * P, 16 * P, Pattern.i32(0), a);
        t.assertCoherent();
    }

    @Test
    void firstReadFaultOfAFileJustWrittenMapsTheWholeWindow() {
        FileInode written = t.machine.createFile("written", 64 * P, Pattern.i32(0), true);
        assertThat(written.cachedPfn(63)).isNotNegative();
        long hole = t.anonAligned(t.p, 2 * M2, M2);
        long a = t.p.mmap(hole, 64 * P, Mman.PROT_READ, Mman.MAP_PRIVATE | Mman.MAP_FIXED, written, 0);
        MachineFixture.assertReads(t.p, a + 40 * P, 4, Pattern.i32(0), a);
        assertThat(s.present(a, 64)).isEqualTo("0".repeat(32) + "1".repeat(16) + "0".repeat(16));
        t.assertCoherent();
    }

    @Test
    void faultAroundMapsOnlyPagesAlreadyInThePageCache() {
        s.cache(16, 18);
        long a = s.mapAt(0, 64, Mman.PROT_READ, Mman.MAP_PRIVATE, 0);
        MachineFixture.assertReads(t.p, a + 20 * P, 4, Pattern.i32(0), a);
        assertThat(s.present(a, 32)).isEqualTo("0".repeat(16) + "1010" + "1000" + "0".repeat(8));
        assertThat(s.file.cachedPfn(17)).as("read in around the miss at 20, not mapped").isNotEqualTo(-1);
        t.assertCoherent();
    }

    @Test
    void faultAroundStaysInsideTheVmaAndThePageTable() {
        s.cacheAll();
        // 32 pages from file page 4, starting 8 pages below a 2 MiB boundary
        long d = s.mapAt(M2 - 8 * P, 32, MachineFixture.RW, Mman.MAP_PRIVATE, 4 * P);
        MachineFixture.assertReads(t.p, d + 2 * P, 4, Pattern.i32(0), d - 4 * P);
        assertThat(s.present(d, 32)).isEqualTo("1".repeat(8) + "0".repeat(24));
        MachineFixture.assertReads(t.p, d + 9 * P, 4, Pattern.i32(0), d - 4 * P);
        assertThat(s.present(d, 32)).isEqualTo("1".repeat(24) + "0".repeat(8));
        t.assertCoherent();
    }

    @Test
    void faultAroundStopsAtTheEndOfTheFile() {
        s.cacheAll();
        long a = s.mapAt(0, 64, Mman.PROT_READ, Mman.MAP_PRIVATE, 56 * P); // file pages 56..63, then beyond the file
        MachineFixture.assertReads(t.p, a + P, 4, Pattern.i32(0), a - 56 * P);
        assertThat(s.present(a, 16)).isEqualTo("1".repeat(8) + "0".repeat(8));
        t.assertCoherent();
    }

    @Test
    void writeFaultInFileMappingMapsOnlyTheFaultingPage() {
        s.cacheAll();
        long a = s.mapAt(0, 64, MachineFixture.RW, Mman.MAP_PRIVATE, 0);
        assertThat(t.p.write(a + 5 * P, 4, Pattern.ZERO, a)).isZero();
        long b = s.mapAt(0, 64, MachineFixture.RW, Mman.MAP_SHARED, 0);
        assertThat(t.p.write(b + 5 * P, 4, Pattern.i32(0), b)).isZero();
        assertThat(s.present(a, 16)).isEqualTo("0000010000000000");
        assertThat(s.present(b, 16)).isEqualTo("0000010000000000");
        t.assertCoherent();
    }

    @Test
    void sharedFileMappingFaultsAroundReadOnly() {
        s.cacheAll();
        long a = s.mapAt(0, 64, MachineFixture.RW, Mman.MAP_SHARED, 0);
        MachineFixture.assertReads(t.p, a + 30 * P, 4, Pattern.i32(0), a);
        assertThat(t.p.pageState(a + 16 * P)).isEqualTo(PageState.PRESENT_RO);
        assertThat(t.p.write(a + 31 * P, 4, Pattern.fillByte(3), a)).isZero(); // write notification makes it writable
        assertThat(t.p.pageState(a + 31 * P)).isEqualTo(PageState.PRESENT_RW);
        t.assertCoherent();
    }

    @Test
    void faultAroundOfOnePageOrLessTurnsItOff() {
        Setup off = new Setup(MachineConfig.defaults().withFaultAroundBytes(4096));
        off.cacheAll();
        long a = off.mapAt(0, 64, Mman.PROT_READ, Mman.MAP_PRIVATE, 0);
        MachineFixture.assertReads(off.t.p, a + 20 * P, 4, Pattern.i32(0), a);
        assertThat(off.present(a, 32)).isEqualTo("0".repeat(20) + "1" + "0".repeat(11));
    }

    @Test
    void faultAroundBytesAreRoundedDownToAPowerOfTwo() {
        Setup small = new Setup(MachineConfig.defaults().withFaultAroundBytes(48 << 10));
        small.cacheAll();
        long a = small.mapAt(0, 64, Mman.PROT_READ, Mman.MAP_PRIVATE, 0);
        MachineFixture.assertReads(small.t.p, a + 20 * P, 4, Pattern.i32(0), a);
        assertThat(small.present(a, 32)).isEqualTo("0".repeat(16) + "1".repeat(8) + "0".repeat(8));
    }

    @Test
    void readFaultInSharedAnonymousMappingMapsCachedShmemPagesWritable() {
        long a = t.p.mmap(0, 16 * P, MachineFixture.RW, Mman.MAP_SHARED | Mman.MAP_ANONYMOUS, null, 0);
        assertThat(t.p.write(a, 8 * P, Pattern.i32(0), a)).isZero();
        UserProcess c = t.p.fork("c");
        MachineFixture.assertReads(c, a + 3 * P, 4, Pattern.i32(0), a);
        for (int i = 0; i < 8; i++) {
            assertThat(c.pageState(a + i * P)).as("page %d", i).isEqualTo(PageState.PRESENT_RW);
        }
        assertThat(c.pageState(a + 8 * P)).isEqualTo(PageState.NONE);
        t.assertCoherent();
    }

    /** filemap_fault reads the uncached pages around a miss, so the next fault's window finds them all. */
    @Test
    void cacheMissReadsAroundTheFaultingPage() {
        long a = s.mapAt(0, 64, Mman.PROT_READ, Mman.MAP_PRIVATE, 0);
        MachineFixture.assertReads(t.p, a + 20 * P, 4, Pattern.i32(0), a);
        assertThat(s.present(a, 32)).as("the miss maps its page alone").isEqualTo("0".repeat(20) + "1" + "0".repeat(11));
        MachineFixture.assertReads(t.p, a + 21 * P, 4, Pattern.i32(0), a);
        assertThat(s.present(a, 32)).isEqualTo("0".repeat(16) + "1".repeat(16));
        assertThat(s.file.cachedPfn(63)).isNotEqualTo(-1);
        t.assertCoherent();
    }

    /** do_read_fault runs fault-around before filemap_fault finds the page beyond EOF (SIGBUS). */
    @Test
    void faultBeyondEofStillMapsCachedPagesAround() {
        s.cacheAll();
        long a = s.mapAt(8 * P, 68, Mman.PROT_READ, Mman.MAP_PRIVATE, 0);
        byte[] buf = new byte[4];
        assertThat(t.p.read(a + 64 * P, buf, 0, 4)).isNotZero();
        assertThat(s.present(a, 68)).isEqualTo("0".repeat(56) + "1".repeat(8) + "0".repeat(4));
        t.assertCoherent();
    }

    /** In an executable mapping the read-around starts at the miss: the pages below stay uncached. */
    @Test
    void cacheMissInExecMappingReadsOnlyFromThePage() {
        long a = s.mapAt(0, 64, Mman.PROT_READ | Mman.PROT_EXEC, Mman.MAP_PRIVATE, 0);
        MachineFixture.assertReads(t.p, a + 20 * P, 4, Pattern.i32(0), a);
        MachineFixture.assertReads(t.p, a + 21 * P, 4, Pattern.i32(0), a);
        assertThat(s.present(a, 32)).isEqualTo("0".repeat(20) + "1".repeat(12));
        assertThat(s.file.cachedPfn(19)).isEqualTo(-1);
        t.assertCoherent();
    }
}
