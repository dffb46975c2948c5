package jhmm.device.rnic;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jhmm.base.Errno;
import jhmm.base.ErrnoException;
import jhmm.base.PageSize;
import jhmm.base.Pattern;
import jhmm.device.rnic.RnicStats.Counter;
import jhmm.mm.Mm;
import jhmm.phys.ContentStore;

/**
 * One process's use of the NIC (an ib_ucontext with its protection domain): the memory regions
 * it registered and the verbs a timing layer drives one by one. Each verb returns an
 * {@link RnicOp}: 0 or -errno and the counts it added to {@link #stats()}.
 *
 * <p>The data verbs are what a remote peer does to a local region, the NIC as responder: the
 * NIC walks the operation's pages through the region's translation table; a page that does not
 * translate (or not for writing) stalls the operation on a NIC page fault, the driver maps the
 * rest of the operation (mlx5's RDMA responder and receive-WQE faults cover the whole remaining
 * length), and the operation resumes (an RNR retry). A pinned region never faults: it reaches
 * the pages it pinned, whatever the process maps there now ({@code stale}).
 */
public final class RnicContext {
    /** Faults on one page, each undone before the NIC could use it, before an operation gives up with -EBUSY. */
    static final int MAX_FAULTS_PER_PAGE = 1000;

    private final RnicDevice device;
    private final Mm mm;
    private final long memlockPages;
    private final RnicStats stats = new RnicStats();
    private final Map<Integer, MemoryRegion> regions = new LinkedHashMap<>();
    private int nextKey = 1;
    private boolean closed;

    RnicContext(RnicDevice device, Mm mm, long memlockPages) {
        this.device = device;
        this.mm = mm;
        this.memlockPages = memlockPages;
    }

    public RnicDevice device() {
        return device;
    }

    public Mm mm() {
        return mm;
    }

    /** Everything this context's verbs and its regions' invalidations did so far. */
    public RnicStats stats() {
        return stats;
    }

    /** RLIMIT_MEMLOCK in pages. */
    long memlockPages() {
        return memlockPages;
    }

    /**
     * ibv_reg_mr with local and remote read access, and write access when {@code writable}:
     * {@code PINNED} and {@code ODP} over [addr, addr+len); {@code IMPLICIT} over the whole
     * address space ({@code addr} and {@code len} are not used: ibv_reg_mr(0, SIZE_MAX)).
     * Errors: EINVAL (empty or wrapping range, context closed), and for {@code PINNED} EPERM
     * (RLIMIT_MEMLOCK 0), ENOMEM (over RLIMIT_MEMLOCK: nothing pinned), GUP's errno.
     */
    public RnicOp register(MrType type, long addr, long len, boolean writable) {
        RnicStats before = stats.snapshot();
        synchronized (this) {
            if (closed || (type != MrType.IMPLICIT && (len <= 0 || addr < 0 || addr + len < addr))) {
                return new RnicOp(-Errno.EINVAL, null, stats.minus(before));
            }
        }
        MemoryRegion mr;
        try {
            int key = nextKey();
            mr = switch (type) {
                case PINNED -> RangeMr.pinned(this, key, addr, len, writable, stats);
                case ODP -> RangeMr.odp(this, key, addr, len, writable, stats);
                case IMPLICIT -> new ImplicitOdpMr(this, key, writable);
            };
        } catch (ErrnoException e) {
            return new RnicOp(-e.errno(), null, stats.minus(before));
        }
        synchronized (this) {
            if (!closed) {
                regions.put(mr.key(), mr);
                return new RnicOp(0, mr, stats.minus(before));
            }
        }
        mr.release(stats); // the context closed while the region was being made
        return new RnicOp(-Errno.EINVAL, null, stats.minus(before));
    }

    private synchronized int nextKey() {
        return nextKey++;
    }

    /** ibv_dereg_mr: the NIC stops using the region; pins, DMA mappings, notifiers and pinned_vm go. EINVAL for a region not live here. */
    public RnicOp deregister(MemoryRegion mr) {
        RnicStats before = stats.snapshot();
        synchronized (this) {
            if (regions.remove(mr.key(), mr)) {
                mr.release(stats);
                return new RnicOp(0, null, stats.minus(before));
            }
        }
        return new RnicOp(-Errno.EINVAL, null, stats.minus(before));
    }

    /**
     * A remote peer's RDMA READ of [iova, iova+len) of {@code mr}: the NIC reads the pages into
     * {@code dst} (from its index 0; null: the data is not kept). Errors: EFAULT (outside the
     * region, or a fault that could not map a page), EPERM (a writable ODP region over a
     * read-only mapping), EINVAL (the region is not live here), EBUSY (out of retries).
     */
    public RnicOp rdmaRead(MemoryRegion mr, long iova, long len, byte[] dst) {
        ContentStore data = device.system().phys().data();
        return respond(mr, iova, len, false, (frame, off, n, va) -> {
            if (dst != null) {
                data.read(frame, off, dst, (int) (va - iova), n);
            }
        });
    }

    /**
     * A remote peer's RDMA WRITE of [iova, iova+len) of {@code mr} with {@code pattern} (indexed
     * from address {@code origin}). Errors as {@link #rdmaRead}, and EACCES for a region
     * registered without write access.
     */
    public RnicOp rdmaWrite(MemoryRegion mr, long iova, long len, Pattern pattern, long origin) {
        return respond(mr, iova, len, true, writer(pattern, origin));
    }

    /**
     * A remote peer's SEND landing in a receive buffer posted over [iova, iova+len) of
     * {@code mr}: the NIC writes the message there. A fault on a receive WQE maps the whole
     * posted buffer, as an RDMA WRITE's maps the rest of the write, so the two count alike.
     */
    public RnicOp send(MemoryRegion mr, long iova, long len, Pattern pattern, long origin) {
        return respond(mr, iova, len, true, writer(pattern, origin));
    }

    private Umem.PageData writer(Pattern pattern, long origin) {
        ContentStore data = device.system().phys().data();
        return (frame, off, n, va) -> data.writePattern(frame, off, n, pattern, va - off - origin);
    }

    /**
     * ibv_advise_mr with IB_UVERBS_ADVISE_MR_FLAG_FLUSH (synchronous) over [iova, iova+len).
     * Errors: ENOENT (not an ODP region: mlx5 knows only ODP keys here), EPERM (PREFETCH_WRITE on
     * a region without write access), EFAULT (outside the region, or a page that cannot be
     * faulted), EINVAL (not live here).
     */
    public RnicOp advise(MemoryRegion mr, long iova, long len, Advice advice) {
        RnicStats before = stats.snapshot();
        int ret;
        if (!mine(mr)) {
            ret = -Errno.EINVAL;
        } else if (mr.type() == MrType.PINNED) {
            ret = -Errno.ENOENT;
        } else if (advice == Advice.PREFETCH_WRITE && !mr.writable()) {
            ret = -Errno.EPERM;
        } else if (!mr.covers(iova, len)) {
            ret = -Errno.EFAULT;
        } else {
            OdpUmem.Mode mode = switch (advice) {
                case PREFETCH -> OdpUmem.Mode.DOWNGRADE;
                case PREFETCH_WRITE -> OdpUmem.Mode.FAULT;
                case PREFETCH_NO_FAULT -> OdpUmem.Mode.SNAPSHOT;
            };
            mr.reap(stats);
            ret = Math.min(0, mr.fault(iova, iova + len, mode, true, stats));
        }
        return new RnicOp(ret, null, stats.minus(before));
    }

    private boolean mine(MemoryRegion mr) {
        return mr.ctx == this && mr.live();
    }

    /** The NIC as responder over [iova, iova+len) of {@code mr}, page by page, faulting where the table does not translate. */
    private RnicOp respond(MemoryRegion mr, long iova, long len, boolean write, Umem.PageData data) {
        RnicStats before = stats.snapshot();
        int ret = walk(mr, iova, len, write, data);
        return new RnicOp(ret, null, stats.minus(before));
    }

    private int walk(MemoryRegion mr, long iova, long len, boolean write, Umem.PageData data) {
        if (!mine(mr)) {
            return -Errno.EINVAL;
        }
        if (!mr.covers(iova, len)) {
            return -Errno.EFAULT;
        }
        if (write && !mr.writable()) {
            return -Errno.EACCES;
        }
        mr.reap(stats);
        long end = iova + len;
        int faults = 0;
        for (long va = iova; va < end; ) {
            long page = va & PageSize.PAGE_MASK;
            int off = (int) (va - page);
            int n = (int) Math.min(PageSize.PAGE_SIZE - off, end - va);
            Umem u = mr.umemAt(page);
            if (u != null && u.access(page, off, n, write, data, stats)) {
                stats.inc(Counter.PAGES);
                va += n;
                faults = 0;
                continue;
            }
            if (!mr.live()) {
                return -Errno.EINVAL; // deregistered meanwhile: the key is gone
            }
            stats.inc(Counter.FAULTS);
            int ret = mr.fault(page, end, OdpUmem.Mode.FAULT, false, stats);
            if (ret < 0 && ret != -Errno.EAGAIN) {
                return ret; // the fault is resumed with an error: the operation completes with it
            }
            if (++faults > MAX_FAULTS_PER_PAGE) {
                return -Errno.EBUSY;
            }
            stats.inc(Counter.RETRIES);
        }
        return 0;
    }

    /** The regions registered and not deregistered, in the order they were made. */
    public synchronized List<MemoryRegion> regions() {
        return List.copyOf(regions.values());
    }

    /** Pages the live pinned regions hold (what this context charges to pinned_vm). */
    public long pinnedPages() {
        return pinnedUmems().stream().mapToLong(u -> u.npages).sum();
    }

    private synchronized List<PinnedUmem> pinnedUmems() {
        List<PinnedUmem> out = new ArrayList<>();
        for (MemoryRegion mr : regions.values()) {
            if (mr instanceof RangeMr r && r.umem instanceof PinnedUmem p) {
                out.add(p);
            }
        }
        return out;
    }

    /** Pages the live pinned regions reach that the process no longer maps where they were pinned. */
    public long stalePinnedPages() {
        return regions().stream().mapToLong(MemoryRegion::stalePages).sum();
    }

    /** The device file closes (the process exits): every region is deregistered. */
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            for (MemoryRegion mr : regions.values()) {
                mr.release(stats);
            }
            regions.clear();
        }
        device.closed(this);
    }

    public synchronized boolean isClosed() {
        return closed;
    }

    /** Stale ODP entries and lost pins of this context's regions, and the DMA mappings they hold. */
    List<String> violations(int[] dmaHeld) {
        List<String> out = new ArrayList<>();
        for (MemoryRegion mr : regions()) {
            for (Umem u : mr.umems()) {
                dmaHeld[0] += u.dmaMappingsHeld();
                switch (u) {
                    case OdpUmem o -> out.addAll(o.staleEntries(20));
                    case PinnedUmem p -> out.addAll(p.lostPins());
                }
            }
        }
        return out;
    }
}
