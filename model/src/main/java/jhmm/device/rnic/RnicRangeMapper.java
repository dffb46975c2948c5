package jhmm.device.rnic;

import jhmm.base.Errno;
import jhmm.base.PageSize;
import jhmm.device.rnic.RnicStats.Counter;
import jhmm.dma.DmaDevice;
import jhmm.dmamap.DmaMapStats;
import jhmm.dmamap.DmaReach;
import jhmm.dmamap.RangeDmaMapper;
import jhmm.mm.Mm;

/**
 * An RDMA memory registration as a range DMA mapper, for side-by-side comparisons with the other
 * ways of mapping a range (jhmm compare): a NIC whose users have no RLIMIT_MEMLOCK limit (as with
 * CAP_IPC_LOCK) registers the range as {@code type}. An ODP or implicit region is then
 * prefetched whole (ibv_advise_mr PREFETCH_WRITE, or PREFETCH when not writing), as an
 * application that wants no faults on first use does. The device access is a remote RDMA READ
 * of the range: an ODP region faults back what invalidations took, a pinned one reaches the
 * pages it pinned, stale where the process maps others now.
 */
public final class RnicRangeMapper implements RangeDmaMapper {
    private final RnicContext ctx;
    private final MrType type;
    private final DmaDevice dev;
    private final long leavesBefore;
    private final long flushesBefore;
    private MemoryRegion mr;
    private long start;
    private long len;
    private long refaults;

    public RnicRangeMapper(Mm mm, DmaDevice dev, MrType type) {
        this.ctx = new Rnics(mm.system()).add(dev.name(), new RnicConfig(Long.MAX_VALUE), dev).open(mm);
        this.type = type;
        this.dev = dev;
        this.leavesBefore = dev.iommuLeaves();
        this.flushesBefore = dev.iotlbFlushes();
    }

    /** The kind of region it registers. */
    public MrType type() {
        return type;
    }

    /** The NIC's context, for the counts a timing layer charges ({@link RnicContext#stats()}). */
    public RnicContext context() {
        return ctx;
    }

    @Override
    public int map(long start, int npages, boolean write) {
        this.start = start;
        this.len = (long) npages << PageSize.PAGE_SHIFT;
        RnicOp reg = ctx.register(type, start, len, write);
        if (!reg.ok()) {
            return reg.ret();
        }
        mr = reg.mr();
        if (type == MrType.PINNED) {
            return 0;
        }
        return ctx.advise(mr, start, len, write ? Advice.PREFETCH_WRITE : Advice.PREFETCH).ret();
    }

    @Override
    public long unmap(boolean dirty) {
        if (mr == null) {
            return 0;
        }
        long n = mr.mappedPages();
        ctx.deregister(mr); // pages mapped writable are marked dirty whatever the caller says, as the RDMA core does
        mr = null;
        return n;
    }

    @Override
    public long deviceAccess() {
        if (mr == null) {
            return 0;
        }
        RnicOp read = ctx.rdmaRead(mr, start, len, null);
        refaults += read.get(Counter.MAPPED);
        return read.ret() == -Errno.EFAULT ? reach().mismatches() : read.get(Counter.STALE);
    }

    /** Pinned pages the process no longer maps where they were pinned are stale; any other mismatch is a violation. */
    @Override
    public DmaReach reach() {
        return new DmaReach(ctx.stalePinnedPages(), ctx.violations(new int[1]));
    }

    @Override
    public DmaMapStats stats() {
        RnicStats s = ctx.stats();
        return new DmaMapStats(mr == null ? 0 : mr.mappedPages(), s.get(Counter.DMA_MAPS), dev.iommuLeaves() - leavesBefore,
                dev.iotlbFlushes() - flushesBefore, ctx.pinnedPages(), s.get(Counter.INVALIDATIONS), refaults);
    }
}
