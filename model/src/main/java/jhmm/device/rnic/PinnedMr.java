package jhmm.device.rnic;

import java.util.List;
import jhmm.base.Errno;

/** A region pinned at registration: one {@link PinnedUmem}, every entry written up front. */
final class PinnedMr extends MemoryRegion {
    final PinnedUmem umem;

    PinnedMr(RnicContext ctx, int key, long addr, long len, boolean writable, RnicStats stats) {
        super(ctx, key, addr, len, writable);
        this.umem = PinnedUmem.get(ctx, addr, len, writable, stats);
    }

    @Override
    public MrType type() {
        return MrType.PINNED;
    }

    @Override
    Umem umemAt(long va) {
        return umem;
    }

    @Override
    int fault(long va, long end, OdpUmem.Mode mode, boolean prefetch, RnicStats stats) {
        return -Errno.EFAULT;
    }

    @Override
    List<Umem> umems() {
        return List.of(umem);
    }
}
