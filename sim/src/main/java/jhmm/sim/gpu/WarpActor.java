package jhmm.sim.gpu;

import jhmm.device.gpu.GpuAccess;
import jhmm.sim.engine.Actor;
import jhmm.sim.engine.Engine;
import jhmm.sim.workload.Access;
import jhmm.sim.workload.Run;
import jhmm.sim.workload.WarpStream;

/**
 * One warp: walks its runs of accesses against the residency view in a tight loop, adding each
 * access's cost to its own clock, and returns to the engine only when it misses (the fault is
 * raised at the miss's time, as an event), when its run of the kernel ends, or when its clock
 * reaches the horizon up to which the view cannot change.
 */
final class WarpActor implements Actor {
    private enum State { IDLE, RUNNING, MISSED, STALLED }

    private final GpuSim sim;
    final int id;
    private final Run run = new Run();
    private WarpStream stream;
    private boolean inRun;
    /** In a read-modify-write: the read is done, the write is next. */
    private boolean writeNext;
    private State state = State.IDLE;
    private long stalledSince;
    private long missVpn;
    private boolean missWrite;

    WarpActor(GpuSim sim, Engine engine) {
        this.sim = sim;
        this.id = engine.register(this);
    }

    void start(WarpStream s) {
        stream = s;
        inRun = false;
        writeNext = false;
        state = State.RUNNING;
    }

    boolean stalled() {
        return state == State.STALLED;
    }

    @Override
    public void wake(Engine e) {
        long t = e.now();
        switch (state) {
            case MISSED -> {
                sim.raiseFault(missVpn, missWrite ? GpuAccess.WRITE : GpuAccess.READ, t);
                state = State.STALLED;
                stalledSince = t;
            }
            case STALLED -> {
                sim.charge(Charge.STALLED, t - stalledSince);
                state = State.RUNNING;
                runFrom(e, t);
            }
            case RUNNING -> runFrom(e, t);
            case IDLE -> { }
        }
    }

    private void runFrom(Engine e, long t) {
        long horizon = sim.horizon(e);
        Residency view = sim.residency;
        long vramCost = sim.cost.accessVram();
        long systemCost = sim.cost.accessSystem();
        long compute = 0;
        long accesses = 0;
        try {
            while (true) {
                if (!inRun) {
                    if (!stream.next(run)) {
                        state = State.IDLE;
                        sim.warpDone(t);
                        return;
                    }
                    inRun = true;
                }
                boolean rmw = run.access == Access.READ_MODIFY_WRITE;
                while (run.count > 0) {
                    long page = run.offset >>> 12;
                    boolean write = run.access == Access.WRITE || (rmw && writeNext);
                    int where = view.lookup(page, write);
                    if (where == Residency.MISS) {
                        missVpn = view.vpn(page);
                        missWrite = write;
                        state = State.MISSED;
                        e.schedule(id, t, GpuSim.PHASE_FAULT);
                        return;
                    }
                    long c = where == Residency.VRAM ? vramCost : systemCost;
                    t += c;
                    compute += c;
                    accesses++;
                    if (rmw && !writeNext) {
                        writeNext = true;
                    } else {
                        writeNext = false;
                        run.count--;
                        run.offset += run.stride;
                    }
                    if (t >= horizon) {
                        e.schedule(id, t, GpuSim.PHASE_WARP);
                        return;
                    }
                }
                inRun = false;
            }
        } finally {
            sim.charge(Charge.COMPUTE, compute);
            sim.accesses += accesses;
        }
    }
}
