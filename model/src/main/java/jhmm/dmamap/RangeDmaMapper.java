package jhmm.dmamap;

/** One way of faulting a range of a process and mapping it for a device's DMA. */
public interface RangeDmaMapper {
    /** Faults [start, start + npages pages) (for writing if asked) and DMA-maps it: 0 or -errno. */
    int map(long start, int npages, boolean write);

    /** Undoes every mapping; {@code dirty} marks pages the device may have written dirty. Returns pages unmapped. */
    long unmap(boolean dirty);

    /**
     * The device touches every page of the range once: a mirror re-faults what an
     * invalidation took away. Returns the pages whose DMA address reaches a frame the process
     * no longer maps at that address (a stale access).
     */
    long deviceAccess();

    /** Where the range's DMA addresses lead now, without touching anything (for the coherence check). */
    DmaReach reach();

    DmaMapStats stats();
}
