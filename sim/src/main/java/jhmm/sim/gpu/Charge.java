package jhmm.sim.gpu;

import java.util.Locale;
import jhmm.sim.result.ChargeKind;

/** Where simulated time went: what the driver, Linux, the link, the CPU and the warps spent it on. */
public enum Charge implements ChargeKind {
    /** Warps accessing memory that was mapped (summed over warps). */
    COMPUTE("warps accessing mapped memory, summed over warps"),
    /** Warps waiting for their faults to be serviced and replayed (summed over warps). */
    STALLED("warps stalled on a fault until the replay, summed over warps"),
    PIN("pinning the whole buffer and DMA-mapping it before the first kernel (mode pin)"),
    FAULT_DELIVERY("fault entries travelling from the GPU to the driver (per batch)"),
    DRIVER("the driver's own work: batches, fault entries, 2 MiB blocks"),
    LINUX_FAULT("Linux faulting pages in for the GPU: CPU faults, hmm_range_fault per page"),
    MIGRATION("migrate_vma's CPU side per page moved, either way"),
    EVICTION("evicting VRAM chunks, on top of their pages' migration"),
    DMA("DMA mapping and unmapping system-memory pages for the GPU"),
    INVALIDATION("mmu-notifier invalidation callbacks"),
    GPU_PTE("writing GPU page-table entries"),
    COPY_TO_GPU("the link busy copying to VRAM"),
    COPY_TO_HOST("the link busy copying back to system memory"),
    REPLAY("replays: from the driver's command until the warps issue again"),
    CPU("the CPU between kernels: touching pages, its faults and migrations back");

    private final String description;

    Charge(String description) {
        this.description = description;
    }

    @Override
    public String word() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    @Override
    public String description() {
        return description;
    }
}
