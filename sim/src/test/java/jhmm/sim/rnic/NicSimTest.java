package jhmm.sim.rnic;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import jhmm.sim.config.SimConfig;
import jhmm.sim.run.Sweep;
import org.junit.jupiter.api.Test;

/**
 * The NIC simulation's checks: what pinned registration and on-demand paging each cost and do,
 * as the kernel behaves (devices-gpu-rdma.md section 2) — shapes and exact counts, not tuned times.
 */
class NicSimTest {
    /** 16 MiB: 4096 pages, 256 messages of 64 KiB. */
    static final long PAGES = 4096;

    static NicSimSettings settings(NicWorkload w, String... keyValues) {
        SimConfig c = SimConfig.reference().with("workload.footprint", "16MiB").with("workload.iterations", "3");
        for (int i = 0; i < keyValues.length; i += 2) {
            c = c.with(keyValues[i], keyValues[i + 1]);
        }
        return NicSimSettings.from(w, c.config());
    }

    static NicSimResult run(NicWorkload w, String... keyValues) {
        NicSimResult r = new NicSim(settings(w, keyValues)).run();
        assertThat(r.error()).isNull();
        return r;
    }

    /**
     * ib_umem_get pins every page of the region at registration (faulting in what the process
     * never touched) and the NIC never faults; an ODP region pins nothing and faults each
     * message's pages once, the first time the peer writes them (mlx5 maps the rest of the
     * operation per fault), after which the rounds run as fast as pinned ones.
     */
    @Test
    void aPinnedRegionPaysAtRegistrationAnOdpRegionAtFirstTouch() {
        NicSimResult pinned = run(NicWorkload.RDMA_DENSE, "nic.mr", "pinned");
        NicSimResult odp = run(NicWorkload.RDMA_DENSE, "nic.mr", "odp");
        assertThat(pinned.counts().get("pinned-pages")).isEqualTo(PAGES);
        assertThat(pinned.counts().get("faults")).isZero();
        assertThat(pinned.charge(NicCharge.REGISTRATION)).isGreaterThanOrEqualTo(PAGES * pinned.settings().cost().pinPage());
        assertThat(odp.counts().get("pinned-pages")).isZero();
        assertThat(odp.counts().get("faults")).isEqualTo(PAGES / 16);
        assertThat(odp.counts().get("rnr-naks")).isGreaterThanOrEqualTo(odp.counts().get("faults"));
        assertThat(odp.charge(NicCharge.REGISTRATION)).isLessThan(pinned.charge(NicCharge.REGISTRATION) / 100);
        assertThat(odp.roundPs()[0]).isGreaterThan(pinned.roundPs()[0] * 5);
        assertThat(odp.roundPs()[1]).isEqualTo(pinned.roundPs()[1]);
    }

    /** A fault stalls its operation for at least the RNR timer: the requester retries only after it. */
    @Test
    void aFaultingOperationWaitsForTheRnrTimer() {
        NicSimResult odp = run(NicWorkload.RDMA_DENSE, "nic.mr", "odp", "nic.qps", "1", "workload.iterations", "1");
        long rnr = odp.settings().nicCost().rnrTimer();
        assertThat(java.util.Arrays.stream(odp.opPs()).min().orElseThrow()).isGreaterThan(rnr);
        NicSimResult prefetched = run(NicWorkload.RDMA_DENSE, "nic.mr", "odp", "nic.qps", "1", "workload.iterations", "1",
                "nic.prefetch", "on");
        assertThat(prefetched.counts().get("faults")).isZero();
        assertThat(prefetched.counts().get("prefetched")).isEqualTo(PAGES);
        assertThat(java.util.Arrays.stream(prefetched.opPs()).max().orElseThrow()).isLessThan(rnr);
    }

    /**
     * Register-and-go on a large buffer touched sparsely (64 MiB, 1 % of its messages a round):
     * the pinned region makes every page resident and pays for it before the first operation,
     * ODP only what the peer touches, and takes less time though each of its faults waits an RNR timer.
     */
    @Test
    void aSparselyTouchedBufferIsResidentWholeWhenPinnedAndInPartWithOdp() {
        NicSimResult pinned = run(NicWorkload.RDMA_SPARSE, "nic.mr", "pinned", "nic.sparse-fraction", "0.01", "workload.footprint", "64MiB");
        NicSimResult odp = run(NicWorkload.RDMA_SPARSE, "nic.mr", "odp", "nic.sparse-fraction", "0.01", "workload.footprint", "64MiB");
        assertThat(pinned.counts().get("resident-pages")).isEqualTo(4 * PAGES);
        assertThat(odp.counts().get("resident-pages")).isPositive().isLessThanOrEqualTo(3 * 10 * 16);
        assertThat(odp.counts().get("resident-pages")).isEqualTo(odp.counts().get("mapped"));
        assertThat(odp.totalPs()).isLessThan(pinned.totalPs());
    }

    /**
     * munmap and mmap again under a registered region: the pinned region keeps reaching the old
     * pages (stale, counted per page reached), the ODP region is invalidated and faults the new ones.
     */
    @Test
    void afterARemapThePinnedRegionReachesStalePagesAndOdpFollows() {
        NicSimResult pinned = run(NicWorkload.RDMA_REMAP, "nic.mr", "pinned", "workload.cpu-touch", "0.25");
        NicSimResult odp = run(NicWorkload.RDMA_REMAP, "nic.mr", "odp", "workload.cpu-touch", "0.25");
        assertThat(pinned.counts().get("stale")).isEqualTo(2 * PAGES / 4); // rounds 2 and 3 reach the remapped quarter
        assertThat(odp.counts().get("stale")).isZero();
        assertThat(odp.counts().get("zapped")).isEqualTo(2 * PAGES / 4);
        assertThat(odp.counts().get("faults")).isEqualTo(PAGES / 16 + 2 * PAGES / 4 / 16);
    }

    /** Pins keep pages in place: migration of a pinned region's pages fails; an ODP region's pages move and are faulted back. */
    @Test
    void aPinnedRegionBlocksMigrationAnOdpRegionFollowsIt() {
        NicSimResult pinned = run(NicWorkload.RDMA_MIGRATE, "nic.mr", "pinned", "workload.cpu-touch", "0.5");
        NicSimResult odp = run(NicWorkload.RDMA_MIGRATE, "nic.mr", "odp", "workload.cpu-touch", "0.5");
        assertThat(pinned.counts().get("migrate-blocked")).isEqualTo(2 * PAGES / 2);
        assertThat(pinned.counts().get("migrated")).isZero();
        assertThat(odp.counts().get("migrated")).isEqualTo(2 * PAGES / 2);
        assertThat(odp.counts().get("migrate-blocked")).isZero();
        assertThat(odp.counts().get("faults")).isEqualTo(PAGES / 16 + 2 * PAGES / 2 / 16);
    }

    /** Reclaim cannot take pinned pages; it swaps an ODP region's out, and the NIC's faults read them back (major faults). */
    @Test
    void memoryPressureSwapsOutOnlyTheOdpRegionsPages() {
        NicSimResult pinned = run(NicWorkload.RDMA_PRESSURE, "nic.mr", "pinned", "workload.cpu-touch", "0.5");
        NicSimResult odp = run(NicWorkload.RDMA_PRESSURE, "nic.mr", "odp", "workload.cpu-touch", "0.5");
        assertThat(pinned.counts().get("swapped-out")).isZero();
        assertThat(pinned.counts().get("reclaim-blocked")).isEqualTo(2 * PAGES / 2);
        assertThat(odp.counts().get("swapped-out")).isEqualTo(2 * PAGES / 2);
        assertThat(odp.counts().get("swapped-in")).isEqualTo(2 * PAGES / 2);
        assertThat(odp.charge(NicCharge.FAULT)).isGreaterThan(2 * PAGES / 2 * odp.settings().nicCost().swapInPage());
    }

    /**
     * Fork after registration: fork copies a pinned region's pages into the child at once (the
     * parent keeps its pages, so the NIC stays coherent: nothing stale); an ODP region's pages
     * are shared copy-on-write, write-protected (an invalidation), and the NIC's write faults break COW.
     */
    @Test
    void forkCopiesPinnedPagesToTheChildAndWriteProtectsOdpOnes() {
        NicSimResult pinned = run(NicWorkload.RDMA_FORK, "nic.mr", "pinned", "workload.cpu-touch", "0.5");
        NicSimResult odp = run(NicWorkload.RDMA_FORK, "nic.mr", "odp", "workload.cpu-touch", "0.5");
        assertThat(pinned.counts().get("copied")).isEqualTo(2 * PAGES);
        assertThat(pinned.counts().get("stale")).isZero();
        assertThat(pinned.counts().get("faults")).isZero();
        assertThat(odp.counts().get("copied")).isEqualTo(2 * PAGES);
        assertThat(odp.counts().get("invalidations")).isPositive();
        assertThat(odp.counts().get("faults")).isEqualTo(3 * PAGES / 16);
    }

    /** RLIMIT_MEMLOCK: a pinned registration over the limit fails with ENOMEM and the run stops there. */
    @Test
    void aPinnedRegistrationOverMemlockFailsWithEnomem() {
        NicSimResult r = new NicSim(settings(NicWorkload.RDMA_DENSE, "nic.mr", "pinned", "nic.memlock", "8MiB")).run();
        assertThat(r.error()).contains("ENOMEM", "RLIMIT_MEMLOCK");
        assertThat(r.counts().get("ops")).isZero();
        assertThat(new NicSim(settings(NicWorkload.RDMA_DENSE, "nic.mr", "odp", "nic.memlock", "8MiB")).run().error()).isNull();
    }

    /** Implicit ODP makes a 1 GiB child on first touch: one for a 16 MiB buffer. */
    @Test
    void implicitOdpMakesAChildOnFirstTouch() {
        assertThat(run(NicWorkload.RDMA_DENSE, "nic.mr", "implicit").counts().get("children")).isEqualTo(1);
    }

    /** The same settings give the same figures, in one thread or across two. */
    @Test
    void runsAreDeterministicAcrossThreads() {
        List<NicSimSettings> points = List.of(settings(NicWorkload.RDMA_SPARSE, "nic.mr", "odp"),
                settings(NicWorkload.RDMA_REMAP, "nic.mr", "pinned"));
        List<NicSimResult> one = Sweep.run(points, 1, s -> new NicSim(s).run(), n -> { });
        List<NicSimResult> two = Sweep.run(points, 2, s -> new NicSim(s).run(), n -> { });
        for (int i = 0; i < points.size(); i++) {
            assertThat(two.get(i).totalPs()).isEqualTo(one.get(i).totalPs());
            assertThat(two.get(i).counts()).isEqualTo(one.get(i).counts());
            assertThat(two.get(i).opPs()).isEqualTo(one.get(i).opPs());
        }
    }

    /** A setting that cannot run names its key. */
    @Test
    void badSettingsNameTheirKey() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> settings(NicWorkload.RDMA_DENSE, "nic.mr", "odq"))
                .hasMessageContaining("jhmm.sim.nic.mr").hasMessageContaining("pinned, odp, implicit");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> settings(NicWorkload.RDMA_DENSE, "nic.message", "3MiB"))
                .hasMessageContaining("jhmm.sim.nic.message");
    }
}
