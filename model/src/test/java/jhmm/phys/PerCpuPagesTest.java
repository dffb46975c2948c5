package jhmm.phys;

import static org.assertj.core.api.Assertions.assertThat;

import jhmm.base.PageSize;
import org.junit.jupiter.api.Test;

/** The per-CPU page lists in front of the zone lock, sized and drained as the kernel's. */
class PerCpuPagesTest {
    @Test
    void zoneBatchsizeGrowsWithTheZoneUpTo63() {
        assertThat(PerCpuPages.batchSize((1L << 30) / 4096)).as("1 GiB").isEqualTo(63);
        assertThat(PerCpuPages.batchSize((64L << 30) / 4096)).as("64 GiB: capped at 1 MiB of pages").isEqualTo(63);
        assertThat(PerCpuPages.batchSize((64L << 20) / 4096)).as("64 MiB").isEqualTo(3);
        assertThat(PerCpuPages.batchSize((8L << 20) / 4096)).as("8 MiB: at least one page").isEqualTo(1);
    }

    @Test
    void freedPagesWaitOnTheListAndStillCountAsFree() {
        PhysicalMemory phys = new PhysicalMemory(1L << 30, 0, 0);
        long free = phys.buddy().freePages();
        int pfn = phys.allocFolio(0);
        assertThat(phys.buddy().freePages()).isEqualTo(free - 1);
        phys.put(pfn);
        assertThat(phys.buddy().freePages()).isEqualTo(free);
        assertThat(phys.frames().flagWord(pfn) & PageFlags.BUDDY).as("on the CPU's list, not the buddy lists").isZero();
        assertThat(phys.allocFolio(0)).as("the cache-hot page comes back first").isEqualTo(pfn);
    }

    /**
     * folios_put after an unmap's gather: only the references that were the last free their
     * folio; the small folios reach the CPU's list together, a large one goes back whole.
     */
    @Test
    void aBatchOfReferencesFreesExactlyTheFoliosWhoseLastReferenceItHeld() {
        PhysicalMemory phys = new PhysicalMemory(1L << 30, 0, 0);
        long free = phys.buddy().freePages();
        int shared = phys.allocFolio(0);
        phys.get(shared); // a second holder: the batch drops one of two references
        int alone = phys.allocFolio(0);
        int thp = phys.allocFolio(PageSize.PMD_ORDER);
        FolioBatch batch = new FolioBatch();
        batch.add(shared);
        batch.add(alone);
        batch.add(thp + 7); // a tail page's reference is its folio's
        phys.putAll(batch);
        assertThat(phys.buddy().freePages()).as("the lone page and the THP are free").isEqualTo(free - 1);
        assertThat(phys.frames().refcount(shared)).isEqualTo(1);
        assertThat(phys.allocFolio(0)).as("the freed small page is on the CPU's list, cache-hot").isEqualTo(alone);
        phys.putAll(batch);
        assertThat(phys.frames().refcount(shared)).as("putAll emptied the batch: nothing dropped twice").isEqualTo(1);
    }

    /** drain_all_pages in the slow path: pages parked on a list merge back into the block a THP needs. */
    @Test
    void aLargeAllocationDrainsTheListsBeforeItFails() {
        PhysicalMemory phys = new PhysicalMemory(8L << 20, 0, 0);
        java.util.List<Integer> thps = new java.util.ArrayList<>();
        for (int pfn; (pfn = phys.allocFolio(PageSize.PMD_ORDER)) >= 0; ) {
            thps.add(pfn);
        }
        int last = thps.removeLast();
        phys.put(last);
        int[] pages = new int[PageSize.HPAGE_PMD_NR];
        for (int i = 0; i < pages.length; i++) {
            pages[i] = phys.allocFolio(0);
            assertThat(pages[i]).isNotNegative();
        }
        for (int p : pages) {
            phys.put(p); // a few stay on the CPU's list, unmerged
        }
        assertThat(phys.allocFolio(PageSize.PMD_ORDER)).as("the block is whole again once the lists are drained").isNotNegative();
    }
}
