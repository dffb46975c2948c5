package jhmm.perf.model;

import java.util.Arrays;
import java.util.concurrent.locks.ReentrantLock;
import jhmm.hmm.HmmDriverProtocol;
import jhmm.hmm.HmmPfn;
import jhmm.hmm.HmmRange;
import jhmm.mm.Mm;
import jhmm.mm.NotifierRange;
import jhmm.notifier.MmuIntervalNotifier;
import jhmm.notifier.MmuNotifiers;
import jhmm.perf.Kind;

/**
 * A driver calling hmm_range_fault over one range as Documentation/mm/hmm.rst says: an
 * interval notifier over the range whose callback takes the driver lock, then read_begin,
 * the call under the mmap read lock and read_retry under the driver lock
 * ({@link HmmDriverProtocol}). One output slot per 4 KiB page, one array reused.
 */
final class HmmCaller {
    private final ReentrantLock driverLock = new ReentrantLock();
    private final long defaultFlags;
    private final long[] pfns;
    private MmuIntervalNotifier notifier;
    private HmmRange range;

    /** {@code defaultFlags}: 0 for a snapshot, REQ_FAULT|REQ_WRITE to fault for write. */
    HmmCaller(long pages, long defaultFlags) {
        this.pfns = new long[Math.toIntExact(pages)];
        this.defaultFlags = defaultFlags;
    }

    /** Subscribes to invalidations of [addr, addr+len) and clears every slot. */
    void attach(Mm mm, long addr, long len) {
        notifier = MmuNotifiers.insert(mm, addr, len, this::invalidate);
        range = new HmmRange(notifier, addr, addr + len, pfns);
        range.defaultFlags = defaultFlags;
        Arrays.fill(pfns, 0);
    }

    /** hmm_range_fault with the retry protocol: 0 or -errno. */
    int fault() {
        return HmmDriverProtocol.faultAndUpdate(range, driverLock, 0, () -> 0);
    }

    /** Every slot must say valid, writable, no error, mapped at the kind's order. */
    void checkEverySlot(Kind kind) {
        long mask = HmmPfn.VALID | HmmPfn.WRITE | HmmPfn.ERROR | (HmmPfn.ORDER_MASK << HmmPfn.ORDER_SHIFT);
        long want = HmmPfn.VALID | HmmPfn.WRITE | HmmPfn.orderBits(kind.thp() ? HmmPfn.PMD_ORDER : 0);
        for (int i = 0; i < pfns.length; i++) {
            if ((pfns[i] & mask) != want) {
                throw new IllegalStateException(String.format("hmm_range_fault slot %d of %d is %#x, expected flags %#x", i, pfns.length, pfns[i], want));
            }
        }
    }

    void detach() {
        MmuNotifiers.remove(notifier);
        notifier = null;
    }

    private boolean invalidate(MmuIntervalNotifier sub, NotifierRange r, long curSeq) {
        if (r.blockable()) {
            driverLock.lock();
        } else if (!driverLock.tryLock()) {
            return false;
        }
        try {
            sub.setSeq(curSeq);
        } finally {
            driverLock.unlock();
        }
        return true;
    }
}
