package jhmm.phys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
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

    /**
     * zone_set_pageset_high_and_batch, checked on every populated zone of the host: a list's
     * high mark floats between the zone's low watermark split over its CPUs and an eighth of
     * the zone split over them, never under four batches.
     */
    @Test
    void batchAndHighMarksAreTheHostZonesOwn() throws Exception {
        assumeTrue(Files.isReadable(HostZones.ZONEINFO), "no /proc/zoneinfo");
        assumeTrue(Files.readAllLines(java.nio.file.Path.of("/proc/sys/vm/percpu_pagelist_high_fraction")).getFirst().strip().equals("0"),
                "the host's lists are tuned by hand");
        HostZones host = HostZones.read();
        assertThat(host.zones()).isNotEmpty();
        for (HostZones.Zone z : host.zones()) {
            long managed = z.get("managed");
            int batch = PerCpuPages.batchSize(managed);
            assertThat(batch).as("%s batch", z.name()).isEqualTo(z.get("pcp.batch"));
            assertThat(PerCpuPages.highSize(z.get("low"), z.cpus(), batch)).as("%s high_min", z.name()).isEqualTo(z.get("pcp.high_min"));
            assertThat(PerCpuPages.highSize(managed / PerCpuPages.HIGH_FRACTION, z.cpus(), batch)).as("%s high_max", z.name())
                    .isEqualTo(z.get("pcp.high_max"));
        }
    }

    /** nr_pcp_alloc: each refill with no free in between is twice the last, up to 32 batches, the high mark rising to hold it. */
    @Test
    void aRunOfRefillsDoublesUpToThirtyTwoBatches() {
        long managed = (1L << 30) / 4096;
        PerCpuPages p = new PerCpuPages(managed, Watermarks.forZone(managed), 8);
        assertThat(p.highMin).as("four batches: the low watermark over 8 CPUs is less").isEqualTo(4 * 63);
        assertThat(p.highMax).as("an eighth of the zone over 8 CPUs").isEqualTo(4096);
        int[] refills = new int[7];
        for (int i = 0; i < refills.length; i++) {
            refills[i] = p.refillCount(false);
        }
        assertThat(refills).containsExactly(63, 126, 252, 504, 1008, 2016, 2016);
        assertThat(p.high()).isEqualTo(4096);
        p.freeing();
        assertThat(p.refillCount(false)).as("a free halves the doublings: 2 of 5 left").isEqualTo(252);
        PerCpuPages shortZone = new PerCpuPages(managed, Watermarks.forZone(managed), 8);
        shortZone.refillCount(true);
        assertThat(shortZone.high()).as("a zone under its high watermark does not raise the mark").isEqualTo(shortZone.highMin);
    }

    /**
     * nr_pcp_high and nr_pcp_free, through the allocator: a long run of frees raises the list's
     * high mark and sends pages back many at a time; once an allocation has left the zone under
     * its high watermark, frees bring the mark back down to its floor.
     */
    @Test
    void aRunOfFreesRaisesTheMarkUntilTheZoneRunsShort() {
        PhysicalMemory phys = new PhysicalMemory(256L << 20, 0, 0);
        PerCpuPages list = phys.buddy().thisCpu();
        int[] pages = new int[40_000];
        for (int i = 0; i < pages.length; i++) {
            pages[i] = phys.allocFolio(0);
        }
        for (int i = 0; i < 4_000; i++) {
            phys.put(pages[i]);
        }
        assertThat(list.high()).as("raised above its floor to hold the run of frees").isGreaterThan(list.highMin);
        assertThat(list.count()).isLessThanOrEqualTo(list.highMax);
        int[] rest = new int[(int) phys.buddy().freePages()];
        for (int i = 0; i < rest.length; i++) {
            rest[i] = phys.allocFolio(0);
            assertThat(rest[i]).isNotNegative();
        }
        assertThat(phys.allocFolio(0)).as("every free page, those on the list too, was handed out").isNegative();
        for (int i = 0; i < 300; i++) {
            phys.put(rest[i]); // not enough to lift the zone over its high watermark
        }
        assertThat(list.high()).as("the zone ran short: the mark is back at its floor").isEqualTo(list.highMin);
        assertThat(list.count()).isLessThanOrEqualTo(list.highMin);
    }

    /**
     * The lists take pages from the buddy a block at a time and give back runs of frames as
     * whole blocks: whatever the order pages come back in, once every list is drained the buddy
     * holds the blocks it held before (buddyinfo), as page-by-page splitting and merging leaves them.
     */
    @Test
    void pagesThatAllComeBackMergeIntoTheBlocksTheyCameFrom() {
        PhysicalMemory phys = new PhysicalMemory(64L << 20, 0, 0);
        phys.buddy().drainAll();
        int[] before = phys.buddy().freeBlocks();
        for (boolean shuffled : new boolean[] {false, true}) {
            java.util.List<Integer> pages = new java.util.ArrayList<>();
            for (int i = 0; i < 5_000; i++) {
                pages.add(phys.allocFolio(0));
            }
            assertThat(pages.get(1)).as("a split block hands out its lowest page first").isEqualTo(pages.get(0) + 1);
            if (shuffled) {
                java.util.Collections.shuffle(pages, new java.util.Random(7));
            }
            pages.forEach(phys::put);
            phys.buddy().drainAll();
            assertThat(phys.buddy().freeBlocks()).as(shuffled ? "freed in random order" : "freed in the order they came").containsExactly(before);
        }
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
