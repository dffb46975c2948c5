package jhmm.sim.gpu;

import jhmm.base.Errno;
import jhmm.device.gpu.FaultService;
import jhmm.device.gpu.GpuStats;
import jhmm.device.gpu.ReplayPolicy;
import jhmm.sim.engine.Actor;
import jhmm.sim.engine.Engine;

/**
 * The driver's fault bottom half in time: when faults wait, it services one batch through the
 * model (whose changes the warps do not see yet), charges the batch from what the model counted
 * (the driver's work, Linux's, the copies over the link), and at the batch's end makes the
 * changes visible, flushes and replays as the policy says, and takes the next batch.
 */
final class BottomHalf implements Actor {
    private final GpuSim sim;
    final int id;
    private final FaultService service;
    private final ReplayPolicy replay;
    private boolean busy;
    private long busyUntil;

    BottomHalf(GpuSim sim, Engine engine) {
        this.sim = sim;
        this.id = engine.register(this);
        this.service = sim.vm.faultService();
        this.replay = sim.settings.gpu().replay();
    }

    /** The earliest time a change the driver makes can become visible to warps, seen from {@code now}. */
    long horizon(long now) {
        return busy ? busyUntil : now + sim.cost.faultDelivery() + sim.cost.batch();
    }

    /** A fault entry arrived at {@code t}: an idle driver is interrupted after the delivery time. */
    void faultArrived(Engine e, long t) {
        if (!busy) {
            e.schedule(id, t + sim.cost.faultDelivery(), GpuSim.PHASE_DRIVER);
        }
    }

    @Override
    public void wake(Engine e) {
        long now = e.now();
        if (busy) {
            busy = false;
            sim.batchEnded(now);
            if (replay == ReplayPolicy.BATCH_FLUSH) {
                service.flush();
            }
            if (replay != ReplayPolicy.ONCE || service.pending() == 0) {
                sim.replay(e, now);
            }
        } else {
            sim.charge(Charge.FAULT_DELIVERY, sim.cost.faultDelivery());
        }
        if (service.pending() > 0) {
            serviceBatch(e, now);
        }
    }

    private void serviceBatch(Engine e, long now) {
        int batch = sim.settings.gpu().batch();
        int fetched = batch == 0 ? service.pending() : Math.min(batch, service.pending());
        GpuStats before = sim.vm.stats().snapshot();
        long cpuFaultsBefore = sim.cpuFaults();
        int blocks = service.serviceBatch(null);
        if (blocks < 0) {
            sim.fail("a GPU fault could not be serviced: " + Errno.name(blocks));
            return;
        }
        sim.batchSizes.add(fetched);
        long driver = sim.cost.batch() + (long) fetched * sim.cost.fault() + blocks * sim.cost.block();
        sim.charge(Charge.DRIVER, driver);
        long end = sim.chargeModelWork(now + driver, before, cpuFaultsBefore, blocks);
        busy = true;
        busyUntil = end;
        e.schedule(id, end, GpuSim.PHASE_DRIVER);
    }
}
