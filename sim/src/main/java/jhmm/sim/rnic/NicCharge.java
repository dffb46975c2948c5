package jhmm.sim.rnic;

import jhmm.base.EnumCounts;
import jhmm.sim.result.ChargeKind;

/** Where a NIC simulation's time went: the registration, the wire, faults and their retries, the process's events. */
public enum NicCharge implements ChargeKind {
    REGISTRATION("registering the region: its command, pinning, DMA mapping, translation entries"),
    PREFETCH("ibv_advise_mr over the buffer before the first round (faulting, DMA mapping, UMRs)"),
    WIRE("operations' bytes on the wire, both directions"),
    LATENCY("operations' latency without their bytes, summed over operations"),
    FAULT("servicing NIC page faults: delivery, the driver, Linux's faults and swap-ins, DMA mapping, UMRs"),
    RNR_WAIT("operations waiting for a retry after an RNR NAK beyond their fault's service, summed over operations"),
    INVALIDATION("mmu-notifier invalidations of the region: callbacks, UMR zaps, DMA unmaps"),
    CPU("the process's event between rounds: fork, writes, munmap and mmap, migration, swap-out"),
    DEREGISTRATION("deregistering the region: its command, unpinning, DMA unmapping");

    private final String description;

    NicCharge(String description) {
        this.description = description;
    }

    @Override
    public String word() {
        return EnumCounts.word(this);
    }

    @Override
    public String description() {
        return description;
    }
}
