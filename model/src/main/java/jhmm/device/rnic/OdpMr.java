package jhmm.device.rnic;

import java.util.List;
import jhmm.base.PageSize;

/**
 * An explicit ODP region: one {@link OdpUmem} over its pages. Registration maps, without
 * faulting, what the CPU already maps (mlx5_ib_init_odp_mr's snapshot); the rest faults.
 */
final class OdpMr extends MemoryRegion {
    final OdpUmem umem;

    OdpMr(RnicContext ctx, int key, long addr, long len, boolean writable, RnicStats stats) {
        super(ctx, key, addr, len, writable);
        long start = addr & PageSize.PAGE_MASK;
        this.umem = OdpUmem.get(ctx, start, PageSize.pageAlignUp(addr + len) - start, writable, null);
        int ret = umem.map(umem.start, umem.end(), OdpUmem.Mode.SNAPSHOT, false, stats);
        if (ret < 0) {
            umem.release(stats);
            throw new jhmm.base.ErrnoException(ret, "the registration's snapshot");
        }
    }

    @Override
    public MrType type() {
        return MrType.ODP;
    }

    @Override
    Umem umemAt(long va) {
        return umem;
    }

    @Override
    int fault(long va, long end, OdpUmem.Mode mode, boolean prefetch, RnicStats stats) {
        return umem.map(va & PageSize.PAGE_MASK, PageSize.pageAlignUp(end), mode, prefetch, stats);
    }

    @Override
    List<Umem> umems() {
        return List.of(umem);
    }
}
