package jhmm.perf.model;

import java.util.concurrent.locks.Lock;
import jhmm.base.PageSize;
import jhmm.gup.Foll;
import jhmm.gup.Gup;
import jhmm.mm.Mm;
import jhmm.perf.Kind;

/**
 * pin in the model: what io_uring's buffer registration asks of the kernel, done on the model:
 * pin_user_pages with FOLL_WRITE | FOLL_LONGTERM of each buffer of at most {@value #MAX_BUFFER}
 * bytes in one call (the mmap read lock held) into a page array of its own, then, all pinned,
 * every buffer unpinned. (io_uring calls pin_user_pages_fast, whose lockless walk finds every
 * page of a populated range as this walk does.) Nothing may fault, and no pin may stay.
 */
public final class ModelPin extends ModelOp {
    /** The longest buffer io_uring registers; a longer range is several buffers. */
    public static final long MAX_BUFFER = 1L << 30;
    private static final int FLAGS = Foll.WRITE | Foll.LONGTERM;
    private final int[][] buffers;
    private long faultsBefore;
    private long pinned;

    public ModelPin(Kind kind, long len) {
        super(kind, len);
        range.mapPopulated();
        int count = (int) ((len + MAX_BUFFER - 1) / MAX_BUFFER);
        buffers = new int[count][];
        for (int i = 0; i < count; i++) {
            buffers[i] = new int[(int) (Math.min(MAX_BUFFER, len - i * MAX_BUFFER) >>> PageSize.PAGE_SHIFT)];
        }
    }

    @Override
    public void prepare() {
        faultsBefore = range.faults();
        pinned = 0;
    }

    @Override
    public void run() {
        Mm mm = range.process.mm();
        Lock lock = mm.mmapLock().readLock();
        int registered = 0;
        ret = 0;
        for (int[] pages : buffers) {
            long got;
            lock.lock();
            try {
                got = Gup.pinUserPages(mm, range.addr + registered * MAX_BUFFER, pages.length, FLAGS, pages);
            } finally {
                lock.unlock();
            }
            if (got != pages.length) {
                // as io_uring does on a short pin: what this buffer got and the buffers before are released
                unpin(pages, (int) Math.max(got, 0));
                ret = (int) Math.min(got, 0);
                break;
            }
            pinned += got;
            registered++;
        }
        for (int i = 0; i < registered; i++) {
            unpin(buffers[i], buffers[i].length);
        }
    }

    private void unpin(int[] pages, int n) {
        Gup.unpinUserPagesDirtyLock(range.machine.physicalMemory(), pages, n, false);
    }

    @Override
    public void finish() {
        ModelRange.check(ret, "pin_user_pages(FOLL_WRITE|FOLL_LONGTERM)");
        if (pinned != range.pages()) {
            throw new IllegalStateException("pin_user_pages pinned " + pinned + " of " + range.pages() + " pages");
        }
        range.checkNoFaultSince(faultsBefore, "the long-term pin");
        range.checkNoExternalRefs("the long-term pin");
    }
}
