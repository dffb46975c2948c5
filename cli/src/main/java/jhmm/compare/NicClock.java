package jhmm.compare;

import jhmm.device.rnic.MrType;
import jhmm.device.rnic.RnicContext;
import jhmm.device.rnic.RnicRangeMapper;
import jhmm.device.rnic.RnicStats;
import jhmm.mm.MmStats;
import jhmm.sim.rnic.LinuxCounts;
import jhmm.sim.rnic.NicTiming;

/**
 * Times a NIC path's steps of the comparison in jhmm sim's reference costs, from what the
 * model counted between two readings: the NIC's counters and the machine's (CPU faults,
 * swap-ins, page copies), read as the NIC simulation reads them.
 */
final class NicClock {
    private static final long PS_PER_US = 1_000_000;

    private final RnicContext ctx;
    private final MrType type;
    private final MmStats mm;
    private final NicTiming timing = NicTiming.reference();
    private RnicStats nic;
    private LinuxCounts linux;

    /** Reads the counters now: the registration starts. */
    NicClock(RnicRangeMapper mapper, MmStats mm) {
        this.ctx = mapper.context();
        this.type = mapper.type();
        this.mm = mm;
        start();
    }

    /** Reads the counters now: the next step starts. */
    void start() {
        nic = ctx.stats().snapshot();
        linux = LinuxCounts.of(mm);
    }

    /** The registration (and an ODP region's prefetch) since the clock was made. */
    long registrationUs() {
        return timing.registrationAndPrefetch(type, ctx.stats().minus(nic), LinuxCounts.of(mm).since(linux)) / PS_PER_US;
    }

    /** The device's read of {@code bytes} since {@link #start}, as one operation alone on the NIC. */
    long readUs(long bytes) {
        return timing.loneOperation(ctx.stats().minus(nic), LinuxCounts.of(mm).since(linux), bytes) / PS_PER_US;
    }
}
