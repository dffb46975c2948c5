package jhmm.device.rnic;

/** How a memory region reaches the process's pages. */
public enum MrType {
    /** ib_umem_get: every page pinned (FOLL_LONGTERM) and DMA-mapped at registration. */
    PINNED,
    /** ib_umem_odp over the range: nothing pinned, pages faulted in and mapped on demand. */
    ODP,
    /** Implicit ODP (mlx5): the whole address space, a child region per 1 GiB made on first touch. */
    IMPLICIT
}
