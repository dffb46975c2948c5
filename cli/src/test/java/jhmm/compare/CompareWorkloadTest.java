package jhmm.compare;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The comparison workload on a small THP buffer: the review's argument, in numbers. */
class CompareWorkloadTest {
    private static final long SIZE = 16L << 20;
    private final CompareWorkload workload = new CompareWorkload(new CompareOptions(SIZE, true, false, true, true, true, true));

    @Test
    void gupPinsEveryPageBlocksMigrationAndGoesStaleOnTheRemappedQuarter() {
        PathResult r = workload.run(ComparePath.GUP);
        assertThat(r.figures().get(CompareRow.PINS_HELD)).isEqualTo(SIZE / 4096);
        // every THP is tried once by compaction and once by the migration of the buffer
        assertThat(r.figures().get(CompareRow.COMPACTIONS_BLOCKED)).isEqualTo(SIZE >> 21);
        assertThat(r.figures().get(CompareRow.MIGRATIONS_BLOCKED)).isEqualTo(2 * (SIZE >> 21));
        assertThat(r.figures().get(CompareRow.INVALIDATIONS)).isZero();
        assertThat(r.figures().get(CompareRow.STALE_ACCESSES)).isEqualTo(SIZE / 4096 / 4);
    }

    @Test
    void theMirrorPinsNothingFollowsEveryChangeAndNeverGoesStale() {
        PathResult r = workload.run(ComparePath.CORE_MIRROR);
        assertThat(r.figures().get(CompareRow.PINS_HELD)).isZero();
        assertThat(r.figures().get(CompareRow.MIGRATIONS_BLOCKED)).isZero();
        assertThat(r.figures().get(CompareRow.INVALIDATIONS)).isPositive();
        assertThat(r.figures().get(CompareRow.REFAULTS)).isEqualTo(SIZE / 4096);
        assertThat(r.figures().get(CompareRow.STALE_ACCESSES)).isZero();
        assertThat(r.figures().get(CompareRow.COMPACTIONS_BLOCKED)).isZero();
        // one IOMMU leaf per 2 MiB THP at first, and again after the re-faults
        assertThat(r.figures().get(CompareRow.IOMMU_LEAVES)).isEqualTo(2 * (SIZE >> 21));
    }

    /** drm_gpusvm maps one DMA range per CPU page order: a THP is one entry, where the 2019 helper made 512. */
    @Test
    void theGpuSvmPathMapsEachThpWithOneEntryAndFollowsEveryChange() {
        PathResult r = workload.run(ComparePath.GPU_SVM);
        assertThat(r.figures().get(CompareRow.DMA_ENTRIES)).isEqualTo(2 * (SIZE >> 21));
        assertThat(r.figures().get(CompareRow.PINS_HELD)).isZero();
        assertThat(r.figures().get(CompareRow.MIGRATIONS_BLOCKED)).isZero();
        assertThat(r.figures().get(CompareRow.INVALIDATIONS)).isPositive();
        assertThat(r.figures().get(CompareRow.REFAULTS)).isEqualTo(SIZE / 4096);
        assertThat(r.figures().get(CompareRow.STALE_ACCESSES)).isZero();
    }

    /** An RDMA registration pinned with ib_umem_get holds the buffer as GUP does; with ODP it follows every change. */
    @Test
    void aPinnedRegistrationHoldsTheBufferAndAnOdpOneFollowsIt() {
        PathResult pinned = workload.run(ComparePath.RNIC_PINNED);
        assertThat(pinned.figures().get(CompareRow.PINS_HELD)).isEqualTo(SIZE / 4096);
        assertThat(pinned.figures().get(CompareRow.MIGRATIONS_BLOCKED)).isEqualTo(2 * (SIZE >> 21));
        assertThat(pinned.figures().get(CompareRow.STALE_ACCESSES)).isEqualTo(SIZE / 4096 / 4);
        PathResult odp = workload.run(ComparePath.RNIC_ODP);
        assertThat(odp.figures().get(CompareRow.PINS_HELD)).isZero();
        assertThat(odp.figures().get(CompareRow.MIGRATIONS_BLOCKED)).isZero();
        assertThat(odp.figures().get(CompareRow.INVALIDATIONS)).isPositive();
        assertThat(odp.figures().get(CompareRow.STALE_ACCESSES)).isZero();
    }

    /**
     * The NIC columns' times, in jhmm sim's reference costs: the pinned registration pays at
     * least a pin per page; its read is the buffer's bytes at the port's rate; ODP's read also
     * waits for the faults on what the invalidations took (at least one RNR timer). Other paths have no NIC times.
     */
    @Test
    void theNicPathsAreTimedTheOthersAreNot() {
        jhmm.sim.rnic.NicTiming t = jhmm.sim.rnic.NicTiming.reference();
        PathResult pinned = workload.run(ComparePath.RNIC_PINNED);
        PathResult odp = workload.run(ComparePath.RNIC_ODP);
        assertThat(pinned.figures().get(CompareRow.REGISTRATION_TIME)).isGreaterThanOrEqualTo(SIZE / 4096 * t.cost().pinPage() / 1_000_000);
        long wireUs = t.nic().wire(SIZE) / 1_000_000;
        assertThat(pinned.figures().get(CompareRow.READ_TIME)).isBetween(wireUs, wireUs + 10);
        assertThat(odp.figures().get(CompareRow.READ_TIME)).isGreaterThan(wireUs + t.nic().rnrTimer() / 1_000_000);
        assertThat(odp.figures().get(CompareRow.REGISTRATION_TIME)).isPositive();
        PathResult gup = workload.run(ComparePath.GUP);
        assertThat(gup.figures()).doesNotContainKeys(CompareRow.REGISTRATION_TIME, CompareRow.READ_TIME);
        assertThat(gup.cell(CompareRow.READ_TIME)).isEqualTo("-");
    }

    @Test
    void the2019HelperMapsEveryBasePageOnItsOwnAndRemapsTheWholeRangeAfterAnInvalidation() {
        PathResult r = workload.run(ComparePath.HMM_2019);
        assertThat(r.figures().get(CompareRow.IOMMU_LEAVES)).isEqualTo(2 * SIZE / 4096);
        assertThat(r.figures().get(CompareRow.PINS_HELD)).isZero();
        assertThat(r.figures().get(CompareRow.REFAULTS)).isEqualTo(SIZE / 4096);
        assertThat(r.figures().get(CompareRow.STALE_ACCESSES)).isZero();
    }

    /**
     * A hugetlb page pinned by GUP stays allocated after munmap until it is unpinned, so with a
     * pool of exactly the buffer's pages the pinned paths cannot map the quarter again (ENOMEM
     * at mmap, as hugetlb_reserve_pages finds no free page); the mirror freed its pages and can.
     */
    @Test
    void pinnedHugetlbPagesLeaveThePoolEmptyForTheRemap() {
        CompareWorkload hugetlb = new CompareWorkload(new CompareOptions(SIZE, false, true, true, true, true, true));
        PathResult pinned = hugetlb.run(ComparePath.GUP);
        assertThat(pinned.notMeasured()).containsEntry(CompareRow.PAGE_FAULTS, "remap ENOMEM")
                .containsEntry(CompareRow.STALE_ACCESSES, "remap ENOMEM").doesNotContainKey(CompareRow.PINS_HELD);
        assertThat(pinned.cell(CompareRow.PAGE_FAULTS)).isEqualTo("remap ENOMEM");
        assertThat(pinned.figures()).doesNotContainKey(CompareRow.PAGE_FAULTS).containsEntry(CompareRow.PINS_HELD, SIZE / 4096);
        PathResult mirror = hugetlb.run(ComparePath.CORE_MIRROR);
        assertThat(mirror.notMeasured()).isEmpty();
        assertThat(mirror.figures().get(CompareRow.PAGE_FAULTS)).isEqualTo(SIZE / 4 >> 21);
    }

    @Test
    void hmmDmaSyncsNewMappingsWithoutIotlbFlushes() {
        PathResult r = workload.run(ComparePath.HMM_DMA);
        // dma_iova_sync publishes each link without invalidating: the IOTLB is flushed only when
        // a page is unlinked, once for each page of the remapped and migrated buffer
        assertThat(r.figures().get(CompareRow.IOTLB_FLUSHES)).isEqualTo(r.figures().get(CompareRow.REFAULTS))
                .isLessThan(r.figures().get(CompareRow.DMA_ENTRIES));
    }
}
