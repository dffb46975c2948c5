package jhmm.device.gpu;

/**
 * The three drivers' choices (devices-gpu-rdma.md §1.9) as presets of {@link GpuConfig}'s knobs.
 * Each knob can still be set alone after a preset.
 */
public enum GpuPolicy {
    /**
     * nvidia-uvm: batches of 256 with duplicates merged, service per 2 MiB block, BATCH_FLUSH
     * replay, tree prefetch at 51 %, migration to VRAM on fault, eviction of root chunks,
     * thrashing throttled then pinned.
     */
    NVIDIA,
    /**
     * nouveau: the whole buffer drained at once and one replay at the end, one page per fault
     * (the GPU PTE takes the CPU's order), no prefetch, VRAM only by explicit bind (prefetch),
     * never evicted, no thrashing detection.
     */
    NOUVEAU,
    /**
     * amdkfd with XNACK on: one retry fault at a time over a 2 MiB granularity window, migration
     * to VRAM on fault, TTM eviction back to RAM, no prefetch beyond the window, no thrashing
     * detection.
     */
    AMDKFD
}
