package jhmm.sim.rnic;

import jhmm.device.rnic.MrType;
import jhmm.device.rnic.RnicStats;
import jhmm.device.rnic.RnicStats.Counter;
import jhmm.sim.config.SimConfig;
import jhmm.sim.cost.CostModel;
import jhmm.sim.cost.NicCostModel;

/**
 * What a NIC's verbs cost in simulated time, from the counts the model gives for them (an
 * {@link jhmm.device.rnic.RnicOp}'s and the machine's): the formulas the NIC simulation charges
 * with, for whoever has the counts of one verb (jhmm compare's NIC columns).
 */
public record NicTiming(CostModel cost, NicCostModel nic) {

    /** With the reference configuration's costs. */
    public static NicTiming reference() {
        var c = SimConfig.reference().config();
        return new NicTiming(CostModel.from(c), NicCostModel.from(c));
    }

    /**
     * ibv_reg_mr: the command; a pinned region also pays for faulting in the pages the process
     * never touched ({@code linux}'s CPU faults), pinning each page, DMA-mapping each
     * scatter-list segment and writing each page's translation entry.
     */
    public long registration(RnicStats reg, LinuxCounts.Delta linux) {
        return nic.regMr() + linux.faults() * cost.cpuFault() + reg.get(Counter.PINNED) * (cost.pinPage() + nic.mttEntry())
                + reg.get(Counter.DMA_MAPS) * cost.dmaMap();
    }

    /**
     * ibv_reg_mr of a region of {@code type} and, for an ODP region, the prefetch that followed
     * it, from their counts together: a pinned region's registration as {@link #registration};
     * an ODP region's command and the prefetch's {@link #mapping}.
     */
    public long registrationAndPrefetch(MrType type, RnicStats c, LinuxCounts.Delta linux) {
        return type == MrType.PINNED ? registration(c, linux) : nic.regMr() + mapping(c, linux);
    }

    /**
     * Linux's and the driver's work to map pages for the NIC (a fault's or a prefetch's):
     * faulting them in (CPU faults, swap-ins, COW copies), hmm_range_fault over each page, a DMA
     * mapping each, the UMRs writing the NIC's entries.
     */
    public long mapping(RnicStats c, LinuxCounts.Delta linux) {
        return c.get(Counter.MAPPED) * cost.hmmRangeFaultPage() + linux.faults() * cost.cpuFault()
                + linux.swapIns() * nic.swapInPage() + linux.copies() * nic.copyPage() + c.get(Counter.DMA_MAPS) * cost.dmaMap() + c.get(Counter.UMRS) * nic.umr();
    }

    /** The invalidation callbacks' work: the callback and the DMA unmaps (the UMR zaps are in {@link #mapping}'s UMRs or the caller's). */
    public long invalidation(RnicStats c) {
        return c.get(Counter.INVALIDATIONS) * cost.invalidate() + c.get(Counter.DMA_UNMAPS) * cost.dmaUnmap();
    }

    /** The driver's service of {@code c}'s faults, delivery excluded: its own work per fault, the mapping, the invalidations they caused. */
    public long faultService(RnicStats c, LinuxCounts.Delta linux) {
        return c.get(Counter.FAULTS) * nic.driverFault() + mapping(c, linux) + invalidation(c);
    }

    /** The RNR NAKs a requester takes while a fault posted with it is serviced in {@code servicePs}: one retry per latency and RNR timer, at least one per fault. */
    public long rnrNaks(long faults, long servicePs) {
        long retry = nic.latency() + nic.rnrTimer();
        return faults == 0 ? 0 : Math.max(faults, (servicePs + retry - 1) / retry);
    }

    /** One operation of {@code bytes} alone on the NIC and the port: its faults' delivery, service and RNR retries, the wire, the latency. */
    public long loneOperation(RnicStats c, LinuxCounts.Delta linux, long bytes) {
        long faults = c.get(Counter.FAULTS);
        long service = faults == 0 ? 0 : faults * nic.faultDelivery() + faultService(c, linux);
        return rnrNaks(faults, service) * (nic.latency() + nic.rnrTimer()) + nic.wire(bytes) + nic.latency();
    }
}
