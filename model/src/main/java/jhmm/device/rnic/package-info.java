/**
 * An RDMA NIC on the model's kernel APIs only, as Linux's RDMA core and mlx5 use them: memory
 * regions pinned at registration ({@code ib_umem_get}: RLIMIT_MEMLOCK accounting in
 * {@code mm->pinned_vm}, {@code pin_user_pages(FOLL_LONGTERM)}, a DMA-mapped scatter list) or
 * mirrored on demand ({@code ib_umem_odp}: an interval notifier, {@code hmm_range_fault} under
 * its sequence, per-page hmm-dma mappings), explicit over a range or implicit over the whole
 * address space with a child region per 1 GiB; the NIC's translation table (MTT) per region;
 * the page-fault path, prefetch ({@code ibv_advise_mr}) and the invalidation callback; and the
 * operations a remote peer makes on local regions (RDMA READ, RDMA WRITE, SEND). The model
 * counts what each operation did ({@link jhmm.device.rnic.RnicStats}) and keeps no clock.
 */
package jhmm.device.rnic;
