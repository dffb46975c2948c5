package jhmm.sim.gpu;

import java.util.LinkedHashMap;
import java.util.Map;
import jhmm.base.ByteSize;
import jhmm.base.PageSize;
import jhmm.base.Pattern;
import jhmm.device.gpu.GpuAccess;
import jhmm.device.gpu.GpuDevice;
import jhmm.device.gpu.GpuStats;
import jhmm.device.gpu.GpuStats.Counter;
import jhmm.device.gpu.GpuVm;
import jhmm.base.Errno;
import jhmm.dma.DmaDevice;
import jhmm.dma.DmaSystem;
import jhmm.dmamap.DmaMapStats;
import jhmm.dmamap.GupRangeMapper;
import jhmm.kernel.Machine;
import jhmm.kernel.MachineConfig;
import jhmm.kernel.UserProcess;
import jhmm.mm.Mman;
import jhmm.phys.PageBudget;
import jhmm.sim.cost.CostModel;
import jhmm.sim.engine.Engine;
import jhmm.sim.engine.Link;
import jhmm.sim.result.Histogram;
import jhmm.sim.result.Timeline;

/**
 * One simulated GPU workload: a machine of the model with one process whose buffer the CPU has
 * written, a GPU mirroring it, and the timing actors over them (the warps, the driver's bottom
 * half, the host program launching kernels and touching pages between them, the PCIe link).
 * The model does the work and counts it; this class turns the counts into simulated time.
 */
public final class GpuSim {
    /** Same-time wakeups: a batch's end first (its changes become visible), then the host, faults, warps. */
    static final int PHASE_DRIVER = 0;
    static final int PHASE_HOST = 1;
    static final int PHASE_FAULT = 2;
    static final int PHASE_WARP = 3;
    /** The link's directions. */
    static final int TO_GPU = 0;
    static final int TO_HOST = 1;

    final GpuSimSettings settings;
    final CostModel cost;
    final Engine engine = new Engine();
    final Machine machine;
    final UserProcess process;
    final long buf;
    private final DmaDevice dmaDevice;
    /** Mode pin: the whole buffer pinned and DMA-mapped before the first kernel, or null. */
    private GupRangeMapper pinned;
    private long pinnedPages;
    final GpuVm vm;
    final Residency residency;
    final Link link;
    final WarpActor[] warps;
    final BottomHalf bottomHalf;
    final HostProgram host;
    private final long[] charges = new long[Charge.values().length];
    final Histogram batchSizes = new Histogram();
    private final Timeline timeline = new Timeline();
    long accesses;
    private long refaults;
    private long replays;
    private int running;
    private long lastDone;
    private String error;
    /** CPU faults before the first kernel: the CPU's writing of the buffer is not the workload's. */
    private final long cpuFaultsAtStart;

    /** @throws IllegalArgumentException when the machine the workload needs does not fit this JVM */
    public GpuSim(GpuSimSettings settings) {
        this.settings = settings;
        this.cost = settings.cost();
        long footprint = settings.spec().footprint();
        long ram = Math.max(1L << 30, footprint + (512L << 20));
        long pages = (ram + settings.gpu().vramBytes()) >>> PageSize.PAGE_SHIFT;
        PageBudget budget = PageBudget.ofThisJvm();
        if (!budget.fits(pages)) {
            throw new IllegalArgumentException(budget.refusal("a footprint of " + ByteSize.format(footprint)
                    + " (RAM for it and " + ByteSize.format(settings.gpu().vramBytes()) + " of VRAM)", pages));
        }
        this.machine = new Machine(MachineConfig.defaults().withRam(ram).withThp(settings.thp()));
        this.process = machine.createProcess("app");
        int rw = Mman.PROT_READ | Mman.PROT_WRITE;
        this.buf = process.mmapAligned(footprint, PageSize.PMD_SIZE, rw, Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS, null, 0);
        if (buf < 0 || process.write(buf, footprint, Pattern.i32(0), buf) != 0) {
            throw new IllegalStateException("the workload's buffer could not be mapped and written: " + buf);
        }
        DmaSystem dma = new DmaSystem(machine.physicalMemory(), machine.config().iommu());
        this.dmaDevice = dma.device("gpu", 64, true);
        GpuDevice gpu = new GpuDevice("gpu", settings.gpu(), machine.memory(), dmaDevice);
        this.vm = gpu.open(process.mm());
        this.residency = new Residency(buf >>> PageSize.PAGE_SHIFT, footprint >>> PageSize.PAGE_SHIFT);
        this.link = new Link(cost::transfer);
        this.warps = new WarpActor[settings.spec().warps()];
        for (int w = 0; w < warps.length; w++) {
            warps[w] = new WarpActor(this, engine);
        }
        this.bottomHalf = new BottomHalf(this, engine);
        this.host = new HostProgram(this, engine);
        this.cpuFaultsAtStart = cpuFaults();
    }

    /** Has {@code listener} hear the number of each kernel (from 1) as it ends, for progress lines. */
    public GpuSim onKernelEnd(java.util.function.IntConsumer listener) {
        host.onKernelEnd(listener);
        return this;
    }

    /** Runs every kernel of the workload (and the CPU's work between them) to the end. */
    public GpuSimResult run() {
        engine.schedule(host.id, 0, PHASE_HOST);
        engine.run();
        if (pinned != null) {
            pinned.unmap(true);
        }
        charges[Charge.COPY_TO_GPU.ordinal()] = link.busy(TO_GPU);
        charges[Charge.COPY_TO_HOST.ordinal()] = link.busy(TO_HOST);
        return new GpuSimResult(settings, host.endedAt(), host.kernelTimes(), charges.clone(), counts(), batchSizes.toArray(),
                timeline.toArrays(), link.bytes(TO_GPU), link.bytes(TO_HOST), accesses, engine.events(), error);
    }

    private Map<String, Long> counts() {
        GpuStats s = vm.stats();
        Map<String, Long> out = new LinkedHashMap<>();
        for (Counter c : new Counter[] {Counter.FAULTS, Counter.DROPPED, Counter.DUPLICATES, Counter.BATCHES, Counter.UNITS,
                Counter.PREFETCHED, Counter.TO_VRAM, Counter.TO_RAM, Counter.EVICTIONS, Counter.THROTTLED, Counter.PINNED,
                Counter.DMA_MAPS, Counter.INVALIDATIONS, Counter.FLUSHED}) {
            out.put(c.word(), s.get(c));
        }
        out.put("replays", replays);
        out.put("refaults", refaults);
        out.put("cpu-faults", cpuFaults() - cpuFaultsAtStart);
        out.put("pinned-up-front", pinnedPages);
        return out;
    }

    /**
     * Mode pin: pin_user_pages(FOLL_LONGTERM | FOLL_WRITE) and dma_map_sg of the whole buffer,
     * as a driver without HMM does before the device may touch it; from then on the GPU reaches
     * every page over the link. Returns when it is done.
     */
    long pinUpFront(long now) {
        GupRangeMapper m = new GupRangeMapper(process.mm(), dmaDevice);
        int ret = m.map(buf, (int) residency.pages(), true);
        if (ret != 0) {
            fail("pinning the buffer failed: " + Errno.name(ret));
            return now;
        }
        pinned = m;
        DmaMapStats st = m.stats();
        pinnedPages = st.pinned();
        long cost = charged(Charge.PIN, st.pinned() * this.cost.pinPage() + st.dmaEntries() * this.cost.dmaMap());
        residency.mapAllInSystemMemory();
        return now + cost;
    }

    void charge(Charge c, long ps) {
        charges[c.ordinal()] += ps;
    }

    long cpuFaults() {
        return machine.stats().pageFaults.get();
    }

    /** The time up to which warps may run ahead: no change of what the GPU maps can become visible before it. */
    long horizon(Engine e) {
        return bottomHalf.horizon(e.now());
    }

    void raiseFault(long vpn, GpuAccess kind, long t) {
        if (residency.wasInVram(vpn - residency.vpn(0))) {
            refaults++;
        }
        vm.raiseFault(vpn, kind);
        bottomHalf.faultArrived(engine, t);
    }

    /** The batch in flight ended: its changes become visible. */
    void batchEnded(long now) {
        residency.sync(vm);
        sample(now);
    }

    /** The driver tells the GPU to replay: every stalled warp issues again after the replay time. */
    void replay(Engine e, long now) {
        vm.replayed();
        replays++;
        charge(Charge.REPLAY, cost.replay());
        for (WarpActor w : warps) {
            if (w.stalled()) {
                e.schedule(w.id, now + cost.replay(), PHASE_WARP);
            }
        }
    }

    void kernelStarted(int warpsRunning) {
        running = warpsRunning;
        lastDone = engine.now();
    }

    void warpDone(long t) {
        lastDone = Math.max(lastDone, t);
        if (--running == 0) {
            engine.schedule(host.id, lastDone, PHASE_HOST);
        }
    }

    void sample(long now) {
        timeline.add(now, residency.inVram(), vm.stats().get(Counter.FAULTS), link.bytes(TO_GPU), link.bytes(TO_HOST));
    }

    void fail(String why) {
        error = why;
        engine.stop();
    }

    /**
     * Charges what the model did since {@code before} (Linux's work per page, migrations, DMA,
     * invalidations, GPU page-table writes) from {@code start}, and the copies over the link in
     * {@code transfers} transfers, asked for at {@code start} too: the driver copies one block
     * while it prepares the next, so the work takes the longer of the two. Returns its end.
     */
    long chargeModelWork(long start, GpuStats before, long cpuFaultsBefore, long transfers) {
        GpuStats s = vm.stats();
        long ptes = delta(s, before, Counter.PTES_4K) + delta(s, before, Counter.PTES_64K) + delta(s, before, Counter.PTES_2M);
        long pagesBound = delta(s, before, Counter.PTES_4K) + 16 * delta(s, before, Counter.PTES_64K)
                + (long) PageSize.HPAGE_PMD_NR * delta(s, before, Counter.PTES_2M);
        long toVram = delta(s, before, Counter.TO_VRAM);
        long toRam = delta(s, before, Counter.TO_RAM);
        long evictions = delta(s, before, Counter.EVICTIONS);
        long host = 0;
        host += charged(Charge.LINUX_FAULT, (cpuFaults() - cpuFaultsBefore) * cost.cpuFault() + pagesBound * cost.hmmRangeFaultPage());
        host += charged(Charge.MIGRATION, (toVram + toRam) * cost.migratePage());
        host += charged(Charge.EVICTION, evictions * cost.evictChunk());
        host += charged(Charge.DMA, delta(s, before, Counter.DMA_MAPS) * cost.dmaMap() + delta(s, before, Counter.DMA_UNMAPS) * cost.dmaUnmap());
        host += charged(Charge.INVALIDATION, delta(s, before, Counter.INVALIDATIONS) * cost.invalidate());
        host += charged(Charge.GPU_PTE, ptes * cost.pteWrite());
        long hostEnd = start + host;
        long toGpuEnd = link.transfer(TO_GPU, start, toVram << PageSize.PAGE_SHIFT, transfers);
        long toHostEnd = link.transfer(TO_HOST, start, toRam << PageSize.PAGE_SHIFT, Math.max(evictions, transfers));
        return Math.max(hostEnd, Math.max(toGpuEnd, toHostEnd));
    }

    private long charged(Charge c, long ps) {
        charge(c, ps);
        return ps;
    }

    private static long delta(GpuStats now, GpuStats before, Counter c) {
        return now.get(c) - before.get(c);
    }
}
