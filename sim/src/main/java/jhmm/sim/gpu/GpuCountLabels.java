package jhmm.sim.gpu;

import java.util.Map;

/** What each count of a simulation counts, in a phrase for the table. */
final class GpuCountLabels {
    private static final Map<String, String> LABELS = Map.ofEntries(
            Map.entry("faults", "fault entries the GPU wrote into its fault buffer"),
            Map.entry("dropped", "faults the full buffer could not take (raised again after a replay)"),
            Map.entry("duplicates", "entries merged into another of the same page in a batch"),
            Map.entry("batches", "batches the driver fetched"),
            Map.entry("units", "2 MiB blocks serviced, summed over batches"),
            Map.entry("prefetched", "pages the prefetcher added to a block's faults"),
            Map.entry("to-vram", "pages migrated to VRAM"),
            Map.entry("to-ram", "pages migrated back to system memory (evictions and CPU faults)"),
            Map.entry("evictions", "2 MiB VRAM chunks evicted"),
            Map.entry("throttled", "faults the thrashing detector held back for a later pass"),
            Map.entry("pinned", "pages the thrashing detector pinned in system memory (mapped over the link)"),
            Map.entry("dma-maps", "DMA mappings made for system-memory pages"),
            Map.entry("invalidations", "mmu-notifier invalidations the GPU received"),
            Map.entry("flushed", "entries a BATCH_FLUSH flush discarded"),
            Map.entry("replays", "replays the driver issued"),
            Map.entry("refaults", "faults on pages that had been in VRAM before (evicted or pulled back)"),
            Map.entry("cpu-faults", "CPU page faults after the buffer was written (the GPU's and the CPU's)"),
            Map.entry("pinned-up-front", "pages pinned (FOLL_LONGTERM) and DMA-mapped before the first kernel (mode pin)"));

    private GpuCountLabels() {}

    static String of(String key) {
        return LABELS.getOrDefault(key, "");
    }
}
