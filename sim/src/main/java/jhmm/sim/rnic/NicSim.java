package jhmm.sim.rnic;

import java.util.Arrays;
import jhmm.base.ByteSize;
import jhmm.base.PageSize;
import jhmm.base.Pattern;
import jhmm.device.rnic.MemoryRegion;
import jhmm.device.rnic.RnicConfig;
import jhmm.device.rnic.RnicContext;
import jhmm.device.rnic.RnicOp;
import jhmm.device.rnic.RnicStats;
import jhmm.device.rnic.RnicStats.Counter;
import jhmm.device.rnic.Rnics;
import jhmm.dma.DmaSystem;
import jhmm.kernel.Machine;
import jhmm.kernel.MachineConfig;
import jhmm.kernel.UserProcess;
import jhmm.mm.Mman;
import jhmm.phys.PageBudget;
import jhmm.sim.cost.CostModel;
import jhmm.sim.cost.NicCostModel;
import jhmm.sim.engine.Engine;
import jhmm.sim.engine.Link;
import jhmm.sim.result.Timeline;

/**
 * One simulated NIC workload: a machine of the model with one process and its buffer, an RDMA
 * NIC with a memory region over the buffer, and the timing actors over them: a remote peer's
 * queue pairs posting operations and the host program (registration, the process's events
 * between rounds, deregistration). The NIC's driver services page faults one at a time; a
 * requester that hit one retries after the RNR timer until it is serviced. The model does the
 * work and counts it; this class turns the counts into simulated time.
 *
 * <p>An operation's work is done in the model when it starts, faults included: what a fault
 * maps is visible to the other queue pairs from then on, though its service ends later. The
 * queue pairs of the dense workloads work on different messages, so none of them reads an
 * entry before its time there.
 */
public final class NicSim {
    static final int PHASE_HOST = 0;
    static final int PHASE_QP = 1;
    /** The port's directions: into the buffer (WRITE, SEND), out of it (READ). */
    static final int INBOUND = 0;
    static final int OUTBOUND = 1;

    final NicSimSettings settings;
    final CostModel cost;
    final NicCostModel nic;
    final NicTiming timing;
    final Engine engine = new Engine();
    final Machine machine;
    final UserProcess process;
    final long buf;
    final RnicContext ctx;
    MemoryRegion mr;
    private final Link wire;
    final QpActor[] qps;
    final RoundHost host;
    private final long[] charges = new long[NicCharge.values().length];
    private final Timeline timeline = new Timeline();
    private long[] opPs = new long[1024];
    private int ops;
    private long rnrNaks;
    private long driverFreeAt;
    private int running;
    private long lastDone;
    private String error;

    /** @throws IllegalArgumentException when the machine the workload needs does not fit this JVM */
    public NicSim(NicSimSettings settings) {
        this.settings = settings;
        this.cost = settings.cost();
        this.nic = settings.nicCost();
        this.timing = new NicTiming(cost, nic);
        long footprint = settings.footprint();
        // twice the buffer: a fork's copies and a remap's new pages live beside the pinned ones
        long ram = Math.max(1L << 30, 2 * footprint + (512L << 20));
        PageBudget budget = PageBudget.ofThisJvm();
        if (!budget.fits(ram >>> PageSize.PAGE_SHIFT)) {
            throw new IllegalArgumentException(budget.refusal("a footprint of " + ByteSize.format(footprint)
                    + " (RAM for it twice over)", ram >>> PageSize.PAGE_SHIFT));
        }
        this.machine = new Machine(MachineConfig.defaults().withRam(ram).withThp(settings.thp())
                .withSwap(settings.workload().event() == NicWorkload.Event.PRESSURE ? footprint : 0));
        this.process = machine.createProcess("app");
        this.buf = process.mmapAligned(footprint, PageSize.PMD_SIZE, Mman.PROT_READ | Mman.PROT_WRITE,
                Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS, null, 0);
        if (buf < 0 || (settings.populate() && process.write(buf, footprint, Pattern.i32(0), buf) != 0)) {
            throw new IllegalStateException("the workload's buffer could not be mapped and written: " + buf);
        }
        DmaSystem dma = new DmaSystem(machine.physicalMemory(), machine.config().iommu());
        this.ctx = new Rnics(process.mm().system()).add("nic", new RnicConfig(settings.memlockBytes()), dma.device("nic", 64, true))
                .open(process.mm());
        this.wire = new Link(nic::wire);
        this.qps = new QpActor[settings.qps()];
        for (int q = 0; q < qps.length; q++) {
            qps[q] = new QpActor(this, engine, q);
        }
        this.host = new RoundHost(this, engine);
    }

    /** Runs the registration, every round and the events between them, and the deregistration. */
    public NicSimResult run() {
        engine.schedule(host.id, 0, PHASE_HOST);
        engine.run();
        charges[NicCharge.WIRE.ordinal()] = wire.busy(INBOUND) + wire.busy(OUTBOUND);
        long[] times = Arrays.copyOf(opPs, ops);
        // a run that stopped early ends where it stopped
        long total = error == null ? host.endedAt() : engine.now();
        return new NicSimResult(settings, total, host.roundTimes(), charges.clone(), host.counts(), times,
                host.registrationPs(), timeline.toArrays(), wire.bytes(INBOUND), wire.bytes(OUTBOUND), engine.events(), error);
    }

    /** The peer's operation on [iova, iova + message): the model's verb. */
    RnicOp post(long iova, int round) {
        long len = settings.message();
        return switch (settings.op()) {
            case WRITE -> ctx.rdmaWrite(mr, iova, len, Pattern.i32(round), buf);
            case READ -> ctx.rdmaRead(mr, iova, len, null);
            case SEND -> ctx.send(mr, iova, len, Pattern.i32(round), buf);
        };
    }

    /**
     * Charges an operation posted at {@code now} that did {@code op} (its faults' Linux work in
     * {@code linux}) and returns when it completes: each fault reaches the driver, waits its
     * turn and is serviced; meanwhile the requester, NAKed, retries every round trip and RNR
     * timer until the fault is serviced; then the bytes cross the wire.
     */
    long complete(long now, RnicOp op, LinuxCounts.Delta linux) {
        long t = now;
        long faults = op.get(Counter.FAULTS);
        if (faults > 0) {
            long invalidation = charged(NicCharge.INVALIDATION, timing.invalidation(op.counts()));
            long service = timing.faultService(op.counts(), linux);
            long start = Math.max(now + nic.faultDelivery(), driverFreeAt);
            long serviced = start + service;
            driverFreeAt = serviced;
            charge(NicCharge.FAULT, faults * nic.faultDelivery() + service - invalidation);
            long naks = timing.rnrNaks(faults, serviced - now);
            rnrNaks += naks;
            t = now + naks * (nic.latency() + nic.rnrTimer());
            charge(NicCharge.RNR_WAIT, t - serviced);
        }
        long len = settings.message();
        long end = wire.transfer(settings.op().intoBuffer() ? INBOUND : OUTBOUND, t, len, 1) + nic.latency();
        charge(NicCharge.LATENCY, nic.latency());
        recordOp(end - now);
        return end;
    }

    private void recordOp(long ps) {
        if (ops == opPs.length) {
            opPs = Arrays.copyOf(opPs, ops * 2);
        }
        opPs[ops++] = ps;
    }

    int opsDone() {
        return ops;
    }

    long rnrNaks() {
        return rnrNaks;
    }

    void charge(NicCharge c, long ps) {
        charges[c.ordinal()] += ps;
    }

    long charged(NicCharge c, long ps) {
        charge(c, ps);
        return ps;
    }

    /** Starts a round: every queue pair posts from {@code now}. */
    void startRound(long now, int round) {
        running = qps.length;
        lastDone = now;
        for (QpActor q : qps) {
            q.start(round);
            engine.schedule(q.id, now, PHASE_QP);
        }
    }

    void qpDone(long t) {
        lastDone = Math.max(lastDone, t);
        if (--running == 0) {
            engine.schedule(host.id, lastDone, PHASE_HOST);
        }
    }

    void sample(long now) {
        RnicStats s = ctx.stats();
        timeline.add(now, mr == null || !mr.live() ? 0 : mr.mappedPages(), s.get(Counter.FAULTS), wire.bytes(INBOUND),
                wire.bytes(OUTBOUND));
    }

    void fail(String why) {
        error = why;
        engine.stop();
    }
}
