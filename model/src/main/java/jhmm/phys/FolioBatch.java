package jhmm.phys;

/**
 * References waiting to be dropped together (mmu_gather's batch, then folios_put): an unmap
 * clears a page table's entries first and gives the pages their references back at the end,
 * so that the pages it frees reach the per-CPU list under one hold of its lock
 * ({@link PhysicalMemory#putAll}). A batch belongs to one thread at a time; it holds page
 * frame numbers in an array it keeps.
 */
public final class FolioBatch {
    /** As many as a PTE table maps: an unmap gives back one table's pages at a time. */
    public static final int CAPACITY = 512;

    final int[] pfns = new int[CAPACITY];
    int count;

    /** One reference on the folio of {@code pfn} to drop; at most {@value #CAPACITY} between two {@link PhysicalMemory#putAll}. */
    public void add(int pfn) {
        pfns[count++] = pfn;
    }
}
