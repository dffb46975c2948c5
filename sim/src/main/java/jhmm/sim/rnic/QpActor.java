package jhmm.sim.rnic;

import java.util.SplittableRandom;
import jhmm.base.Errno;
import jhmm.device.rnic.RnicOp;
import jhmm.sim.engine.Actor;
import jhmm.sim.engine.Engine;

/**
 * One queue pair of the remote peer: it posts its share of a round's messages one at a time, in
 * order (a reliable connection delivers in order, so a faulting operation holds the ones behind
 * it). Dense rounds give queue pair q the messages q, q + qps, q + 2 qps, ...; sparse rounds a
 * random draw of its share of {@code sparse-fraction} of them.
 */
final class QpActor implements Actor {
    private final NicSim sim;
    final int id;
    private final int index;
    private int round;
    private long next;
    private long left;
    private SplittableRandom random;

    QpActor(NicSim sim, Engine engine, int index) {
        this.sim = sim;
        this.index = index;
        this.id = engine.register(this);
    }

    /** Sets up round {@code round}'s messages (from 1). */
    void start(int round) {
        NicSimSettings s = sim.settings;
        long messages = s.messages();
        int qps = s.qps();
        this.round = round;
        if (s.workload().sparse()) {
            long total = Math.max(1, Math.round(messages * s.sparseFraction()));
            left = total / qps + (index < total % qps ? 1 : 0);
            random = new SplittableRandom(s.seed() * 1_000_003L + (long) round * qps + index);
        } else {
            next = index;
            left = messages <= index ? 0 : (messages - 1 - index) / qps + 1;
        }
    }

    @Override
    public void wake(Engine engine) {
        long now = engine.now();
        if (left == 0) {
            sim.qpDone(now);
            return;
        }
        left--;
        NicSimSettings s = sim.settings;
        long message = random != null ? random.nextLong(s.messages()) : next;
        next += s.qps();
        long iova = sim.buf + message * s.message();
        LinuxCounts before = LinuxCounts.of(sim.machine.stats());
        RnicOp op = sim.post(iova, round);
        if (!op.ok()) {
            sim.fail(String.format("round %d: the %s at offset %#x failed with %s", round, s.op().name(), iova - sim.buf,
                    Errno.name(op.ret())));
            return;
        }
        engine.schedule(id, sim.complete(now, op, LinuxCounts.of(sim.machine.stats()).since(before)), NicSim.PHASE_QP);
    }
}
