package jhmm.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import jhmm.base.Pattern;
import jhmm.mm.PageState;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * get_mm_rss (MM_ANONPAGES) across the operations that move anonymous pages in and out of a
 * process's page table besides faults and zaps: reclaim to swap (try_to_unmap_one decrements
 * MM_ANONPAGES, do_swap_page increments it) and fork (copy_present_pte counts each page the
 * child maps).
 */
class RssAccountingTest {
    private static final long P = MachineFixture.P;

    private final MachineFixture t = new MachineFixture();

    private long written(int pages) {
        long a = t.anon(t.p, pages * P, MachineFixture.RW);
        assertThat(t.p.write(a, pages * P, Pattern.i32(0), a)).isZero();
        assertThat(t.p.mm().rss()).isEqualTo(pages);
        return a;
    }

    @Test
    @DisplayName("swapping a page out lowers the process's rss by one; faulting it back in raises it again")
    void swapOutLowersRssAndSwapInRestoresIt() {
        long a = written(4);
        assertThat(t.machine.swapout(t.p, a + P, 2 * P)).isZero();
        assertThat(t.p.pageState(a + P)).isEqualTo(PageState.SWAP);
        assertThat(t.p.mm().rss()).as("rss after two pages went to swap").isEqualTo(2);
        assertThat(t.p.read(a + P, new byte[1], 0, 1)).isZero();
        assertThat(t.p.mm().rss()).as("rss after one came back").isEqualTo(3);
        t.assertCoherent();
    }

    @Test
    @DisplayName("fork gives the child an rss of the anonymous pages it maps, shared copy-on-write with the parent")
    void forkedChildCountsTheSharedPages() {
        written(4);
        UserProcess child = t.p.fork("c");
        assertThat(child.mm().rss()).as("the child's rss").isEqualTo(4);
        assertThat(t.p.mm().rss()).isEqualTo(4);
        t.assertCoherent();
    }
}
