package jhmm.perf.model;

import java.util.concurrent.locks.Lock;
import jhmm.base.PageSize;
import jhmm.gup.Gup;
import jhmm.mm.Mm;
import jhmm.perf.Kind;
import jhmm.phys.PhysicalMemory;

/**
 * present-walk in the model: pin_user_pages then unpin over a populated range, {@value #BATCH}
 * pages (one PMD's worth) per call into one reused array, the mmap read lock held per call as
 * pin_user_pages requires. Nothing may fault, and no pin may stay.
 */
public final class ModelPresentWalk extends ModelOp {
    /** Pages per pin_user_pages call. */
    public static final int BATCH = 512;
    private final int[] batch = new int[BATCH];
    private long faultsBefore;
    private long pinned;

    public ModelPresentWalk(Kind kind, long len) {
        super(kind, len);
        range.mapPopulated();
    }

    @Override
    public void prepare() {
        faultsBefore = range.faults();
        pinned = 0;
    }

    @Override
    public void run() {
        Mm mm = range.process.mm();
        PhysicalMemory phys = range.machine.physicalMemory();
        Lock lock = mm.mmapLock().readLock();
        long end = range.addr + range.len;
        for (long a = range.addr; a < end; a += (long) BATCH << PageSize.PAGE_SHIFT) {
            int n = (int) Math.min(BATCH, (end - a) >>> PageSize.PAGE_SHIFT);
            long got;
            lock.lock();
            try {
                got = Gup.pinUserPages(mm, a, n, 0, batch);
            } finally {
                lock.unlock();
            }
            if (got != n) {
                if (got > 0) {
                    Gup.unpinUserPagesDirtyLock(phys, batch, (int) got, false); // no pin outlives the failed round
                }
                ret = (int) Math.min(got, 0);
                return; // finish reports the short count
            }
            Gup.unpinUserPagesDirtyLock(phys, batch, n, false);
            pinned += n;
        }
        ret = 0;
    }

    @Override
    public void finish() {
        ModelRange.check(ret, "pin_user_pages");
        if (pinned != range.pages()) {
            throw new IllegalStateException("pin_user_pages pinned " + pinned + " of " + range.pages() + " pages");
        }
        if (range.faults() != faultsBefore) {
            throw new IllegalStateException("the pin walk faulted " + (range.faults() - faultsBefore) + " times");
        }
        long refs = range.machine.physicalMemory().externalRefs();
        if (refs != 0) {
            throw new IllegalStateException("the pin walk left " + refs + " external references");
        }
    }
}
