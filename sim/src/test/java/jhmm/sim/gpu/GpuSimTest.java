package jhmm.sim.gpu;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import jhmm.sim.config.SimConfig;
import jhmm.sim.run.Sweep;
import jhmm.sim.workload.Workload;
import org.junit.jupiter.api.Test;

/** The simulation's checks from devices-gpu-rdma.md section 3 (V2) and the issue: shapes, not tuned numbers. */
class GpuSimTest {
    static GpuSimSettings settings(Workload w, String... keyValues) {
        SimConfig c = SimConfig.reference().with("workload.footprint", "16MiB").with("workload.iterations", "2");
        for (int i = 0; i < keyValues.length; i += 2) {
            c = c.with(keyValues[i], keyValues[i + 1]);
        }
        return GpuSimSettings.from(w, c.config());
    }

    static GpuSimResult run(Workload w, String... keyValues) {
        GpuSimResult r = new GpuSim(settings(w, keyValues)).run();
        assertThat(r.error()).isNull();
        return r;
    }

    /** Pages that became resident in VRAM at each batch's end. */
    static long[] arrivals(GpuSimResult r) {
        long[][] t = r.timeline();
        long[] out = new long[t[1].length];
        for (int i = 0; i < out.length; i++) {
            out[i] = t[1][i] - (i == 0 ? 0 : t[1][i - 1]);
        }
        return out;
    }

    /**
     * nvidia-uvm's tree prefetcher on a sequential stream (V2): the first batch of a block brings
     * one 64 KiB big page, and as the block fills, the 51 % rule brings ever larger subtrees (each
     * fault doubles what is resident: 64K, 64K, 128K, 256K, 512K, 1M), so a 2 MiB block takes six
     * faults; without prefetch every 4 KiB page is a fault of its own.
     */
    @Test
    void aStreamWithPrefetchFaultsOncePer64KAtFirstAndGrowsTo2M() {
        GpuSimResult on = run(Workload.STREAM_READ, "gpu.chunks", "4K", "workload.iterations", "1");
        long[] pages = arrivals(on);
        assertThat(pages).startsWith(16, 16, 32, 64, 128, 256);
        assertThat(on.counts().get("batches")).isEqualTo(6 * 8);
        GpuSimResult off = run(Workload.STREAM_READ, "gpu.chunks", "4K", "gpu.prefetch", "off", "workload.iterations", "1");
        long unique = off.counts().get("faults") - off.counts().get("duplicates");
        assertThat(unique).isEqualTo(16L << 20 >> 12);
        assertThat(on.counts().get("faults")).isLessThan(off.counts().get("faults") / 10);
        assertThat(on.totalPs()).isLessThan(off.totalPs() / 3);
    }

    /** More warps stall on the same pages at once: more duplicates per batch; coalescing leaves the work the same. */
    @Test
    void moreWarpsGiveMoreDuplicatesPerBatchAndCoalescingRemovesThem() {
        GpuSimResult few = run(Workload.STREAM_READ, "workload.warps", "4");
        GpuSimResult many = run(Workload.STREAM_READ, "workload.warps", "128");
        double fewPerBatch = few.counts().get("duplicates") / (double) few.counts().get("batches");
        double manyPerBatch = many.counts().get("duplicates") / (double) many.counts().get("batches");
        assertThat(manyPerBatch).isGreaterThan(4 * fewPerBatch);
        assertThat(many.counts().get("to-vram")).isEqualTo(few.counts().get("to-vram"));
        assertThat(many.counts().get("units")).isEqualTo(few.counts().get("units"));
    }

    /** Beyond 100 % of VRAM a stream evicts every pass, and its time grows far faster than its size. */
    @Test
    void oversubscriptionMakesEvictionsAndTimeGrowSharply() {
        GpuSimResult fits = run(Workload.STREAM_READ, "workload.iterations", "3");
        GpuSimResult over = run(Workload.STREAM_READ, "workload.iterations", "3", "gpu.oversubscription", "150");
        assertThat(fits.counts().get("evictions")).isZero();
        assertThat(over.counts().get("evictions")).isPositive();
        assertThat(over.counts().get("refaults")).isPositive();
        assertThat(over.totalPs()).isGreaterThan(3 * fits.totalPs());
    }

    /** A first-touch stream that fits moves its buffer at most at the link's speed, and most of the time near it. */
    @Test
    void aStreamThatFitsIsBoundedByTheLinkBandwidth() {
        GpuSimResult r = run(Workload.STREAM_READ, "workload.iterations", "1", "workload.footprint", "64MiB");
        double seconds = r.totalPs() / 1e12;
        double rate = r.bytesToGpu() / seconds;
        double link = r.settings().cost().linkBytesPerSecond();
        assertThat(r.bytesToGpu()).isEqualTo(64L << 20);
        assertThat(rate).isLessThan(link).isGreaterThan(link / 2);
        assertThat(r.charge(Charge.COPY_TO_GPU)).isGreaterThan(r.totalPs() / 2);
    }

    /** nvidia-uvm's thrashing detection (section 1.3): pages the CPU keeps pulling back are pinned in RAM and mapped remotely. */
    @Test
    void pingPongWithThrashingDetectionMigratesFewerPages() {
        GpuSimResult off = run(Workload.PING_PONG, "gpu.thrashing", "off", "workload.iterations", "4");
        GpuSimResult on = run(Workload.PING_PONG, "gpu.thrashing", "on", "workload.iterations", "4");
        assertThat(on.counts().get("pinned")).isPositive();
        assertThat(on.counts().get("to-vram")).isLessThan(off.counts().get("to-vram"));
        assertThat(off.counts().get("to-ram")).isPositive();
    }

    /** The same settings give the same figures: in one thread, twice, or spread over two worker threads. */
    @Test
    void simulatedTimeIsTheSameAcrossRunsAndWorkerThreads() {
        List<GpuSimSettings> points = List.of(settings(Workload.HOT_COLD), settings(Workload.PING_PONG),
                settings(Workload.STREAM_RMW, "gpu.oversubscription", "150"), settings(Workload.STENCIL));
        List<GpuSimResult> one = Sweep.run(points, 1, s -> new GpuSim(s).run(), n -> { });
        List<GpuSimResult> two = Sweep.run(points, 2, s -> new GpuSim(s).run(), n -> { });
        for (int i = 0; i < points.size(); i++) {
            assertThat(two.get(i).totalPs()).isEqualTo(one.get(i).totalPs()).isPositive();
            assertThat(two.get(i).counts()).isEqualTo(one.get(i).counts());
            assertThat(two.get(i).chargePs()).isEqualTo(one.get(i).chargePs());
            assertThat(two.get(i).timeline()).isDeepEqualTo(one.get(i).timeline());
        }
        assertThat(one.get(0).totalPs()).isNotEqualTo(new GpuSim(settings(Workload.HOT_COLD, "workload.seed", "2")).run().totalPs());
    }

    /**
     * The review's question in time: a device that pins and DMA-maps the whole buffer first
     * never faults and moves nothing, but every access crosses the link; the mirror pays its
     * faults and migrations once and then runs from VRAM.
     */
    @Test
    void pinningUpFrontNeverFaultsButPaysTheLinkOnEveryAccess() {
        GpuSimResult pin = run(Workload.STREAM_READ, "gpu.mode", "pin", "workload.iterations", "3");
        GpuSimResult mirror = run(Workload.STREAM_READ, "workload.iterations", "3");
        long pages = 16L << 20 >> 12;
        assertThat(pin.counts().get("faults")).isZero();
        assertThat(pin.counts().get("to-vram")).isZero();
        assertThat(pin.counts().get("pinned-up-front")).isEqualTo(pages);
        assertThat(pin.charge(Charge.PIN)).isGreaterThanOrEqualTo(pages * pin.settings().cost().pinPage());
        assertThat(pin.charge(Charge.COMPUTE)).isEqualTo(pin.accesses() * pin.settings().cost().accessSystem());
        assertThat(mirror.counts().get("pinned-up-front")).isZero();
        // the first kernel: the mirror pays for its migrations; the last: it runs from VRAM
        assertThat(mirror.kernelPs()[2]).isLessThan(pin.kernelPs()[2] / 10);
    }

    /** Every built-in workload runs to the end and touches the GPU. */
    @Test
    void everyWorkloadRuns() {
        for (Workload w : Workload.values()) {
            GpuSimResult r = run(w, "workload.warps", "16");
            assertThat(r.kernelPs()).as(w.word()).hasSize(2);
            assertThat(r.counts().get("faults")).as(w.word()).isPositive();
            assertThat(r.accesses()).as(w.word()).isPositive();
        }
    }
}
