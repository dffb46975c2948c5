package jhmm.sim.rnic;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import jhmm.base.Errno;
import jhmm.base.PageSize;
import jhmm.base.Pattern;
import jhmm.device.rnic.Advice;
import jhmm.device.rnic.MrType;
import jhmm.device.rnic.RnicOp;
import jhmm.device.rnic.RnicStats;
import jhmm.device.rnic.RnicStats.Counter;
import jhmm.kernel.UserProcess;
import jhmm.mm.Mman;
import jhmm.sim.engine.Actor;
import jhmm.sim.engine.Engine;

/**
 * The host's side of a NIC workload, in simulated time: it registers the region (and prefetches
 * it), runs the rounds one after the other, lets the process do the workload's event between
 * two rounds, and deregisters the region at the end.
 */
final class RoundHost implements Actor {
    private final NicSim sim;
    final int id;
    private final long[] roundPs;
    private int round;
    private long roundStart;
    private long registrationPs;
    private long endedAt;
    private UserProcess child;
    private long pinnedPages;
    private long residentPages;
    private long reclaimBlocked;
    private LinuxCounts atRegistration;

    RoundHost(NicSim sim, Engine engine) {
        this.sim = sim;
        this.id = engine.register(this);
        this.roundPs = new long[sim.settings.rounds()];
    }

    @Override
    public void wake(Engine engine) {
        long now = engine.now();
        if (round == 0) {
            now = register(now);
            if (sim.mr == null) {
                return;
            }
        } else {
            roundPs[round - 1] = now - roundStart;
            sim.sample(now);
            if (child != null) {
                child.exit();
                child = null;
            }
            if (round == roundPs.length) {
                endedAt = deregister(now);
                return;
            }
            now = betweenRounds(now);
        }
        round++;
        roundStart = now;
        sim.startRound(now, round);
    }

    /** ibv_reg_mr, then the prefetch: returns when they are done. */
    private long register(long now) {
        NicSimSettings s = sim.settings;
        LinuxCounts before = LinuxCounts.of(sim.machine.stats());
        RnicOp reg = sim.ctx.register(s.mr(), sim.buf, s.footprint(), true);
        if (!reg.ok()) {
            sim.fail("registering the " + s.mr().name().toLowerCase() + " region failed with " + Errno.name(reg.ret())
                    + (reg.ret() == -Errno.ENOMEM && s.mr() == MrType.PINNED ? " (over RLIMIT_MEMLOCK: jhmm.sim.nic.memlock)" : ""));
            return now;
        }
        sim.mr = reg.mr();
        pinnedPages = sim.ctx.pinnedPages();
        LinuxCounts.Delta linux = LinuxCounts.of(sim.machine.stats()).since(before);
        RnicStats c = reg.counts();
        registrationPs = sim.timing.registration(c, linux);
        long t = now + sim.charged(NicCharge.REGISTRATION, registrationPs);
        if (s.prefetch() && s.mr() != MrType.PINNED) {
            LinuxCounts beforePrefetch = LinuxCounts.of(sim.machine.stats());
            RnicOp advise = sim.ctx.advise(sim.mr, sim.buf, s.footprint(), Advice.PREFETCH_WRITE);
            if (!advise.ok()) {
                sim.fail("the prefetch failed with " + Errno.name(advise.ret()));
                return t;
            }
            LinuxCounts.Delta d = LinuxCounts.of(sim.machine.stats()).since(beforePrefetch);
            t += sim.charged(NicCharge.PREFETCH, sim.timing.mapping(advise.counts(), d));
        }
        atRegistration = LinuxCounts.of(sim.machine.stats());
        sim.sample(t);
        return t;
    }

    /** The workload's event before the next round: returns when the process is done with it. */
    private long betweenRounds(long now) {
        NicSimSettings s = sim.settings;
        long len = Math.round(s.footprint() * s.cpuTouch() / PageSize.PAGE_SIZE) * PageSize.PAGE_SIZE;
        if (len == 0 || s.workload().event() == NicWorkload.Event.NONE) {
            return now;
        }
        UserProcess p = sim.process;
        LinuxCounts before = LinuxCounts.of(sim.machine.stats());
        RnicStats nicBefore = sim.ctx.stats().snapshot();
        long pages = len >>> PageSize.PAGE_SHIFT;
        int rw = Mman.PROT_READ | Mman.PROT_WRITE;
        int ret = switch (s.workload().event()) {
            case FORK -> {
                child = p.fork("child-" + round);
                yield p.write(sim.buf, len, Pattern.i32(round), sim.buf);
            }
            case REMAP -> {
                int unmapped = p.munmap(sim.buf, len);
                long at = unmapped != 0 ? unmapped
                        : p.mmap(sim.buf, len, rw, Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS | Mman.MAP_FIXED, null, 0);
                yield at < 0 ? (int) at : p.write(sim.buf, len, Pattern.i32(round), sim.buf);
            }
            case MIGRATE -> {
                sim.machine.migrate(p, sim.buf, len); // -EAGAIN where pins keep pages in place: counted as blocked
                yield 0;
            }
            case PRESSURE -> {
                sim.machine.swapout(p, sim.buf, len); // -EAGAIN where pins keep pages resident: counted as blocked
                yield 0;
            }
            case NONE -> 0;
        };
        if (ret != 0) {
            sim.fail("round " + (round + 1) + ": the process's " + s.workload().event().name().toLowerCase() + " failed with "
                    + Errno.name(ret));
            return now;
        }
        LinuxCounts.Delta d = LinuxCounts.of(sim.machine.stats()).since(before);
        boolean writes = s.workload().event() == NicWorkload.Event.FORK || s.workload().event() == NicWorkload.Event.REMAP;
        long cpu = d.faults() * sim.cost.cpuFault() + d.copies() * sim.nic.copyPage() + (writes ? pages * sim.cost.cpuTouchPage() : 0)
                + d.migrated() * (sim.cost.migratePage() + sim.nic.copyPage()) + d.swapOuts() * sim.nic.swapOutPage();
        RnicStats nic = sim.ctx.stats().minus(nicBefore);
        long invalidation = sim.timing.invalidation(nic) + nic.get(Counter.UMRS) * sim.nic.umr();
        reclaimBlocked += s.workload().event() == NicWorkload.Event.PRESSURE ? pages - d.swapOuts() : 0;
        return now + sim.charged(NicCharge.CPU, cpu) + sim.charged(NicCharge.INVALIDATION, invalidation);
    }

    /** ibv_dereg_mr: returns when it is done. */
    private long deregister(long now) {
        residentPages = sim.process.mm().rss();
        RnicOp dereg = sim.ctx.deregister(sim.mr);
        RnicStats c = dereg.counts();
        return now + sim.charged(NicCharge.DEREGISTRATION, sim.nic.regMr() + c.get(Counter.DMA_UNMAPS) * sim.cost.dmaUnmap());
    }

    long endedAt() {
        return endedAt;
    }

    long[] roundTimes() {
        return Arrays.copyOf(roundPs, round);
    }

    long registrationPs() {
        return registrationPs;
    }

    /** What the result counts, in order: the NIC's counters, then the host's. */
    Map<String, Long> counts() {
        RnicStats s = sim.ctx.stats();
        Map<String, Long> out = new LinkedHashMap<>();
        out.put("ops", (long) sim.opsDone());
        for (Counter c : new Counter[] {Counter.PAGES, Counter.FAULTS}) {
            out.put(c.word(), s.get(c));
        }
        out.put("rnr-naks", sim.rnrNaks());
        for (Counter c : new Counter[] {Counter.RESTARTS, Counter.MAPPED, Counter.PREFETCHED, Counter.DMA_MAPS, Counter.DMA_UNMAPS,
                Counter.UMRS, Counter.INVALIDATIONS, Counter.ZAPPED, Counter.CHILDREN, Counter.STALE}) {
            out.put(c.word(), s.get(c));
        }
        out.put("pinned-pages", pinnedPages);
        LinuxCounts.Delta d = LinuxCounts.of(sim.machine.stats()).since(atRegistration == null ? LinuxCounts.of(sim.machine.stats())
                : atRegistration);
        out.put("cpu-faults", d.faults());
        out.put("resident-pages", residentPages);
        out.put("migrate-blocked", d.blocked());
        out.put("migrated", d.migrated());
        out.put("swapped-out", d.swapOuts());
        out.put("swapped-in", d.swapIns());
        out.put("reclaim-blocked", reclaimBlocked);
        out.put("copied", d.copies());
        return out;
    }
}
