package jhmm.mm;

import static org.assertj.core.api.Assertions.assertThat;

import jhmm.base.PageSize;
import jhmm.base.Pattern;
import jhmm.kernel.Machine;
import jhmm.kernel.MachineConfig;
import jhmm.kernel.UserProcess;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The PageWalk contract for lockless readers of a PTE table (pte_offset_map without the lock):
 * pmdEntry gets the array the PMD pointed to when it was read under the page-table lock; a
 * table freed after that (MADV_DONTNEED of its whole window emptying it) stays readable and empty for the walker,
 * as RCU keeps a freed page table, and its storage is never handed to another range, even when
 * the table's slot is recycled at once.
 */
class PageWalkTableLifetimeTest {
    private static final long P = PageSize.PAGE_SIZE;
    private static final long M2 = PageSize.PMD_SIZE;

    private final Machine machine = new Machine(MachineConfig.defaults().withRam(64L << 20).withThp(ThpMode.NEVER));
    private final UserProcess p = machine.createProcess("p");
    private final Mm mm = p.mm();

    private void populate(long a, long len) {
        assertThat(p.write(a, len, Pattern.i32(1), a)).isZero();
    }

    /** Counts the non-none entries of [start, end) in the table handed over, after {@code meanwhile} ran. */
    private static final class HoldingWalker implements PageWalkOps {
        private final Runnable meanwhile;
        long[] held;
        int seenBefore;
        int seenAfter;

        HoldingWalker(Runnable meanwhile) {
            this.meanwhile = meanwhile;
        }

        @Override
        public int pteHole(long start, long end, Vma vma) {
            throw new AssertionError("the window has a PTE table when the walk reads its PMD");
        }

        @Override
        public int pmdEntry(long pmd, long[] ptes, long start, long end, Vma vma) {
            held = ptes;
            seenBefore = populated(ptes, start, end);
            meanwhile.run();
            seenAfter = populated(ptes, start, end);
            return 0;
        }

        @Override
        public int hugetlbEntry(long entry, int order, long start, long end, Vma vma) {
            throw new AssertionError("no hugetlb here");
        }

        private static int populated(long[] ptes, long start, long end) {
            int n = 0;
            for (long a = start; a < end; a += P) {
                if (!Pte.none(PageTable.entry(ptes, a))) {
                    n++;
                }
            }
            return n;
        }
    }

    @Test
    @DisplayName("a PTE table freed by MADV_DONTNEED while a walker holds it reads as empty, and its recycled slot "
            + "brings no other range's entries into it")
    void freedTableStaysEmptyForTheWalkerHoldingIt() {
        long base = p.mmapAligned(2 * M2, M2, Mman.PROT_READ | Mman.PROT_WRITE, Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS, null, 0);
        assertThat(base).isPositive();
        populate(base, 8 * P);
        int oldId = Pte.pfn(mm.pageTable().pmd(base));
        HoldingWalker walker = new HoldingWalker(() -> {
            // Linux 6.18 frees a table MADV_DONTNEED empties only when it zaps the whole window
            assertThat(p.madvise(base, M2, Mman.MADV_DONTNEED)).isZero();
            assertThat(mm.pageTable().pmd(base)).as("the emptied table was freed").isZero();
            populate(base + M2, 8 * P); // the next window's new table takes the freed slot
            assertThat(Pte.pfn(mm.pageTable().pmd(base + M2))).as("the freed table's slot is recycled").isEqualTo(oldId);
            populate(base, 8 * P); // and the freed window gets a table again
        });

        assertThat(PageWalk.walkPageRange(mm, base, base + 8 * P, walker)).isZero();

        assertThat(walker.seenBefore).isEqualTo(8);
        assertThat(walker.seenAfter).as("entries the walker reads after the free").isZero();
        assertThat(walker.held).as("the held table is all none").containsOnly(0L);
        assertThat(walker.held).isNotSameAs(mm.pageTable().entries(oldId));
        assertThat(walker.held).isNotSameAs(mm.pageTable().entries(Pte.pfn(mm.pageTable().pmd(base))));
        assertThat(machine.checkInvariants()).isEmpty();
    }

    @Test
    @DisplayName("a walk after the free reads the window's new table: the entries of the pages faulted in again")
    void walkAfterTheFreeReadsTheNewTable() {
        long base = p.mmapAligned(M2, M2, Mman.PROT_READ | Mman.PROT_WRITE, Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS, null, 0);
        assertThat(base).isPositive();
        populate(base, 4 * P);
        assertThat(p.madvise(base, 4 * P, Mman.MADV_DONTNEED)).isZero();
        populate(base + P, 2 * P);
        HoldingWalker walker = new HoldingWalker(() -> { });
        assertThat(PageWalk.walkPageRange(mm, base, base + 4 * P, walker)).isZero();
        assertThat(walker.seenBefore).isEqualTo(2);
        assertThat(walker.held).isSameAs(mm.pageTable().entries(Pte.pfn(mm.pageTable().pmd(base))));
        for (int i = 0; i < 4; i++) {
            assertThat(PageTable.entry(walker.held, base + i * P)).as("page %d", i).isEqualTo(mm.pageTable().pte(base + i * P));
        }
    }
}
