package jhmm.mm;

import static org.assertj.core.api.Assertions.assertThat;

import jhmm.base.Pattern;
import jhmm.kernel.Machine;
import jhmm.kernel.MachineConfig;
import jhmm.kernel.UserProcess;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * mm_counter(folio): which rss counter a page counts in follows the folio, not the VMA, so a
 * private copy of a file page (an anonymous folio in a file mapping) is MM_ANONPAGES wherever
 * it is mapped, swapped out, forked or unmapped.
 */
class RssCounterTest {
    private static final long P = 4096;

    private final Machine machine = new Machine(MachineConfig.defaults().withRam(64L << 20).withSwap(16L << 20));
    private final UserProcess p = machine.createProcess("p");

    /** A private file mapping of 4 pages, all read (page cache) and the first two written (anonymous copies). */
    private long privateFileMapping() {
        FileInode file = machine.createFile("f", 4 * P, Pattern.i32(7));
        long a = p.mmap(0, 4 * P, Mman.PROT_READ | Mman.PROT_WRITE, Mman.MAP_PRIVATE, file, 0);
        assertThat(p.read(a, new byte[(int) (4 * P)], 0, (int) (4 * P))).isZero();
        assertThat(p.write(a, 2 * P, Pattern.i32(9), a)).isZero();
        return a;
    }

    @Test
    @DisplayName("a COW copy in a private file mapping counts as anonymous, the pages still from the file as file pages")
    void copiesCountAsAnonymous() {
        privateFileMapping();
        assertThat(p.mm().rssAnon.sum()).isEqualTo(2);
        assertThat(p.mm().rssFile.sum()).isEqualTo(2);
    }

    @Test
    @DisplayName("swapping out a COW copy in a file mapping lowers MM_ANONPAGES, not MM_FILEPAGES")
    void swapOutOfACopyLowersAnon() {
        long a = privateFileMapping();
        assertThat(machine.swapout(p, a, P)).isZero();
        assertThat(p.mm().rssAnon.sum()).isEqualTo(1);
        assertThat(p.mm().rssFile.sum()).isEqualTo(2);
        assertThat(p.read(a, new byte[1], 0, 1)).isZero();
        assertThat(p.mm().rssAnon.sum()).as("swapped back in").isEqualTo(2);
        assertThat(p.mm().rssFile.sum()).isEqualTo(2);
    }

    @Test
    @DisplayName("fork counts the child's copies of a file mapping by folio, and unmapping them brings both counters to zero")
    void forkCountsByFolio() {
        long a = privateFileMapping();
        UserProcess child = p.fork("c");
        assertThat(child.mm().rssAnon.sum()).isEqualTo(2);
        assertThat(child.mm().rssFile.sum()).isEqualTo(2);
        assertThat(child.munmap(a, 4 * P)).isZero();
        assertThat(child.mm().rssAnon.sum()).isZero();
        assertThat(child.mm().rssFile.sum()).isZero();
        assertThat(machine.checkInvariants()).isEmpty();
    }
}
