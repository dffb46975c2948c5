package jhmm.device.rnic;

import java.util.List;
import jhmm.base.Errno;
import jhmm.base.ErrnoException;
import jhmm.base.PageSize;

/**
 * A region over a range of addresses, backed by one umem: pinned ({@link PinnedUmem}, every
 * entry written at registration, never faulting) or on demand ({@link OdpUmem}).
 */
final class RangeMr extends MemoryRegion {
    final Umem umem;

    private RangeMr(RnicContext ctx, int key, long addr, long len, boolean writable, Umem umem) {
        super(ctx, key, addr, len, writable);
        this.umem = umem;
    }

    /** ib_umem_get over [addr, addr+len). @throws ErrnoException as {@link PinnedUmem#get} */
    static RangeMr pinned(RnicContext ctx, int key, long addr, long len, boolean writable, RnicStats stats) {
        return new RangeMr(ctx, key, addr, len, writable, PinnedUmem.get(ctx, addr, len, writable, stats));
    }

    /**
     * ib_umem_odp_get over the pages of [addr, addr+len), then mlx5_ib_init_odp_mr: what the CPU
     * maps already is mapped without faulting (a snapshot); the rest faults.
     *
     * @throws ErrnoException as {@link OdpUmem#get}, or the snapshot's error
     */
    static RangeMr odp(RnicContext ctx, int key, long addr, long len, boolean writable, RnicStats stats) {
        long start = addr & PageSize.PAGE_MASK;
        OdpUmem umem = OdpUmem.get(ctx, start, PageSize.pageAlignUp(addr + len) - start, writable, null);
        int ret = umem.map(umem.start, umem.end(), OdpUmem.Mode.SNAPSHOT, false, stats);
        if (ret < 0) {
            umem.release(stats);
            throw new ErrnoException(ret, "the registration's snapshot");
        }
        return new RangeMr(ctx, key, addr, len, writable, umem);
    }

    @Override
    public MrType type() {
        return umem instanceof PinnedUmem ? MrType.PINNED : MrType.ODP;
    }

    @Override
    Umem umemAt(long va) {
        return umem;
    }

    @Override
    int fault(long va, long end, OdpUmem.Mode mode, boolean prefetch, RnicStats stats) {
        if (umem instanceof OdpUmem odp) {
            return odp.map(va & PageSize.PAGE_MASK, PageSize.pageAlignUp(end), mode, prefetch, stats);
        }
        return -Errno.EFAULT;
    }

    @Override
    List<Umem> umems() {
        return List.of(umem);
    }
}
