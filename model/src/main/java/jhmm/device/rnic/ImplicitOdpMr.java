package jhmm.device.rnic;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import jhmm.base.ErrnoException;
import jhmm.base.PageSize;
import jhmm.device.rnic.RnicStats.Counter;

/**
 * An implicit ODP region (mlx5): one key over the whole user address space, backed by a child
 * umem per naturally aligned 1 GiB (MLX5_IMR_MTT_SHIFT), each with its own interval notifier,
 * made the first time the NIC faults (or a prefetch asks) there. A child an invalidation leaves with
 * nothing mapped leaves the parent at once and is destroyed later, off the callback (mlx5
 * queues the work; the model does it before the region's next operation).
 */
final class ImplicitOdpMr extends MemoryRegion {
    /** Bytes one child covers. */
    static final long CHILD = PageSize.PUD_SIZE;

    /** The live children by index (address / 1 GiB), guarded by itself (the parent's xarray lock). */
    private final TreeMap<Long, OdpUmem> children = new TreeMap<>();
    /** Children emptied by an invalidation, waiting to be destroyed. */
    private final ConcurrentLinkedQueue<OdpUmem> emptied = new ConcurrentLinkedQueue<>();

    ImplicitOdpMr(RnicContext ctx, int key, boolean writable) {
        super(ctx, key, 0, PageSize.TASK_SIZE, writable);
    }

    @Override
    public MrType type() {
        return MrType.IMPLICIT;
    }

    @Override
    Umem umemAt(long va) {
        synchronized (children) {
            return children.get(va / CHILD);
        }
    }

    /**
     * The child covering {@code va}, made if there is none (implicit_get_child_mr): built, with
     * its notifier inserted and its table written (one UMR), without the children's lock, which
     * invalidation callbacks take; then installed unless another fault installed one first, in
     * which case this one is dropped. {@code made[0]} is set when this call made it.
     */
    private OdpUmem child(long va, boolean[] made, RnicStats stats) {
        long idx = va / CHILD;
        while (true) {
            OdpUmem c = (OdpUmem) umemAt(va);
            if (c != null) {
                return c;
            }
            OdpUmem fresh = OdpUmem.get(ctx, idx * CHILD, CHILD, writable(), this);
            synchronized (children) {
                if (children.putIfAbsent(idx, fresh) == null) {
                    stats.inc(Counter.CHILDREN);
                    stats.inc(Counter.UMRS);
                    made[0] = true;
                    return fresh;
                }
            }
            fresh.release(new RnicStats()); // another fault made the child first: use that one
        }
    }

    /**
     * pagefault_implicit_mr: each child the range crosses, in order (made where missing), the
     * first error ending it; if children were made, one UMR rewrites the parent's indirect
     * entries for them.
     */
    @Override
    int fault(long va, long end, OdpUmem.Mode mode, boolean prefetch, RnicStats stats) {
        long pages = 0;
        boolean[] made = {false};
        int ret = 0;
        for (long a = va & PageSize.PAGE_MASK; a < end && ret >= 0; ) {
            OdpUmem c;
            try {
                c = child(a, made, stats);
            } catch (ErrnoException e) {
                ret = -e.errno();
                break;
            }
            long to = Math.min(PageSize.pageAlignUp(end), c.end());
            ret = c.map(a, to, mode, prefetch, stats);
            pages += Math.max(ret, 0);
            a = to;
        }
        if (made[0]) {
            stats.inc(Counter.UMRS);
        }
        return ret < 0 ? ret : (int) Math.min(pages, Integer.MAX_VALUE);
    }

    /** Called by a child's invalidation callback, under the child's umem_mutex: it leaves the parent now. */
    void childEmptied(OdpUmem child) {
        synchronized (children) {
            children.remove(child.start / CHILD, child);
        }
        emptied.add(child);
    }

    /** The parent's key is revoked (one UMR), then every child goes. */
    @Override
    void release(RnicStats stats) {
        stats.inc(Counter.UMRS);
        super.release(stats);
    }

    /** free_implicit_child_mr_work for each emptied child: the parent's entry rewritten, the child released. */
    @Override
    void reap(RnicStats stats) {
        for (OdpUmem c; (c = emptied.poll()) != null; ) {
            c.release(stats);
            stats.inc(Counter.COLLECTED);
        }
    }

    /** The live children and those waiting for destruction. */
    @Override
    List<Umem> umems() {
        List<Umem> out;
        synchronized (children) {
            out = new ArrayList<>(children.values());
        }
        out.addAll(emptied);
        return out;
    }

    /** Children alive now. */
    int childCount() {
        synchronized (children) {
            return children.size();
        }
    }
}
