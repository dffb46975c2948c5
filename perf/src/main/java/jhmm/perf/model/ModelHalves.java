package jhmm.perf.model;

import jhmm.base.PageSize;
import jhmm.mm.Mman;
import jhmm.perf.Halves;
import jhmm.perf.Kind;

/** The threads row's model side: one process of a machine of its own, its range in 4 KiB pages ({@code thp=never}). */
public final class ModelHalves implements Halves {
    private final ModelRange range;
    private final long half;

    public ModelHalves(long len) {
        range = new ModelRange(Kind.PAGE_4K, len);
        half = (len / 2) & PageSize.PAGE_MASK;
    }

    @Override
    public void map() {
        range.map();
    }

    @Override
    public void populateAndUnmap(int i) {
        long start = range.addr + i * half;
        populateAndUnmap(start, i == 0 ? half : range.len - half);
    }

    /** {@link #populateAndUnmap} of the whole range, as one half of {@link ModelMachinePerHalf}. */
    void populateAll() {
        populateAndUnmap(range.addr, range.len);
    }

    private void populateAndUnmap(long start, long len) {
        ModelRange.check(range.process.madvise(start, len, Mman.MADV_POPULATE_WRITE), "MADV_POPULATE_WRITE");
        ModelRange.check(range.process.munmap(start, len), "munmap");
    }

    @Override
    public void check() {
        long rss = range.process.mm().rss();
        if (rss != 0) {
            throw new IllegalStateException("model: " + rss + " pages resident after both halves were unmapped");
        }
    }

    @Override
    public void close() {
        range.release();
    }
}
