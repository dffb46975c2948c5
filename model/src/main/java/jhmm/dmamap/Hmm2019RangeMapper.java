package jhmm.dmamap;

import jhmm.base.Errno;
import jhmm.base.PageSize;
import jhmm.dma.DmaDevice;
import jhmm.hmm.api2019.Hmm52;
import jhmm.hmm.api2019.HmmMirror;
import jhmm.hmm.api2019.HmmRange;
import jhmm.hmm.api2019.HmmUpdate;
import jhmm.mm.Mm;

/**
 * The seed's helper as Linux 5.2 shipped it: a mirror whose sync_cpu_device_pagetables callback
 * unmaps the range's DMA (with hmm_range_dma_unmap) when an update touches it, a registered
 * range, and hmm_range_dma_map to fault and map it, one DMA mapping per 4 KiB page even inside
 * a THP. The driver follows the 2019 protocol: wait until valid, map, then check {@code valid}
 * under its own lock.
 */
public final class Hmm2019RangeMapper implements RangeDmaMapper {
    /** The driver's encoding: VALID, WRITE and DEVICE_PRIVATE bits below the pfn. */
    private static final long[] FLAGS = {1, 2, 4};
    /** ERROR, NONE, SPECIAL sentinels (NONE must not alias the others). */
    private static final long[] VALUES = {-2L, 0, -3L};
    private static final int PFN_SHIFT = 6;
    private static final int MAX_ATTEMPTS = 100;

    private final MapperState st;
    private HmmMirror mirror;
    private HmmRange range;
    private long[] daddrs = new long[0];
    private boolean dmaLive;
    private long mapped;

    public Hmm2019RangeMapper(Mm mm, DmaDevice dev) {
        this.st = new MapperState(mm, dev);
    }

    @Override
    public int map(long start, int n, boolean write) {
        mirror = new HmmMirror(this::sync);
        st.mm.mmapLock().writeLock().lock();
        try {
            int ret = Hmm52.mirrorRegister(mirror, st.mm);
            if (ret != 0) {
                return ret;
            }
        } finally {
            st.mm.mmapLock().writeLock().unlock();
        }
        range = new HmmRange(new long[n], FLAGS, VALUES, PFN_SHIFT);
        int ret = Hmm52.rangeRegister(range, st.mm, start, start + ((long) n << PageSize.PAGE_SHIFT), PageSize.PAGE_SHIFT);
        if (ret != 0) {
            return ret;
        }
        range.defaultFlags = FLAGS[HmmRange.FLAG_VALID] | (write ? FLAGS[HmmRange.FLAG_WRITE] : 0);
        range.pfnFlagsMask = 0;
        daddrs = new long[n];
        return faultAndMap();
    }

    /** The 2019 driver protocol around hmm_range_dma_map. */
    private int faultAndMap() {
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            st.mm.mmapLock().readLock().lock();
            boolean locked = true;
            long ret;
            try {
                if (!Hmm52.rangeWaitUntilValid(range, Hmm52.DEFAULT_TIMEOUT_MS)) {
                    continue;
                }
                ret = Hmm52.rangeDmaMap(range, st.dev, daddrs, true);
                locked = ret != -Errno.EAGAIN; // -EAGAIN: hmm_range_fault dropped the lock
            } finally {
                if (locked) {
                    st.mm.mmapLock().readLock().unlock();
                }
            }
            if (ret == -Errno.EAGAIN || ret == -Errno.EBUSY) {
                continue;
            }
            if (ret < 0) {
                return (int) ret;
            }
            st.lock.lock();
            try {
                if (!Hmm52.rangeValid(range)) {
                    Hmm52.rangeDmaUnmap(range, null, st.dev, daddrs, false);
                    continue;
                }
                mapped = ret;
                st.dmaEntries += ret;
                dmaLive = true;
                return 0;
            } finally {
                st.lock.unlock();
            }
        }
        return -Errno.EBUSY;
    }

    /** sync_cpu_device_pagetables: the device stops using the range before the CPU changes it. */
    private int sync(HmmMirror m, HmmUpdate update) {
        if (range == null || update.end() <= range.start || update.start() >= range.end) {
            return 0;
        }
        if (update.blockable()) {
            st.lock.lock();
        } else if (!st.lock.tryLock()) {
            return -Errno.EAGAIN;
        }
        try {
            st.invalidations++;
            if (dmaLive) {
                Hmm52.rangeDmaUnmap(range, null, st.dev, daddrs, true);
                dmaLive = false;
                mapped = 0;
            }
            return 0;
        } finally {
            st.lock.unlock();
        }
    }

    @Override
    public long unmap(boolean dirty) {
        long n = 0;
        st.lock.lock();
        try {
            if (dmaLive) {
                n = Hmm52.rangeDmaUnmap(range, null, st.dev, daddrs, dirty);
                dmaLive = false;
                mapped = 0;
            }
        } finally {
            st.lock.unlock();
        }
        if (range != null) {
            Hmm52.rangeUnregister(range);
        }
        if (mirror != null) {
            Hmm52.mirrorUnregister(mirror);
        }
        return n;
    }

    @Override
    public long deviceAccess() {
        if (!dmaLive && faultAndMap() == 0) {
            st.refaults += range.pfns.length; // the 2019 helper maps the whole range again
        }
        return reach().mismatches();
    }

    /** A mirror holds nothing: its DMA addresses must lead to what the process maps, or nowhere. */
    @Override
    public DmaReach reach() {
        if (range == null) {
            return new DmaReach(0, java.util.List.of());
        }
        return st.reach(range.start, range.pfns.length, i -> dmaLive && range.decode(range.pfns[i]) >= 0 ? daddrs[i] : 0, i -> -1);
    }

    @Override
    public DmaMapStats stats() {
        return st.stats(mapped, 0);
    }
}
