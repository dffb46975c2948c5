package jhmm.perf.model;

import jhmm.base.PageSize;
import jhmm.mm.Mman;
import jhmm.perf.Halves;
import jhmm.perf.Kind;

/** The threads row's model side: one process of a machine of its own, its range in 4 KiB pages ({@code thp=never}). */
public final class ModelHalves implements Halves {
    /** The half that stands for the whole range, where this is one half of {@link ModelMachinePerHalf}. */
    static final int WHOLE = -1;

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
    public void populate(int i) {
        ModelRange.check(range.process.madvise(start(i), length(i), Mman.MADV_POPULATE_WRITE), "MADV_POPULATE_WRITE");
    }

    @Override
    public void unmap(int i) {
        ModelRange.check(range.process.munmap(start(i), length(i)), "munmap");
    }

    private long start(int i) {
        return i == WHOLE ? range.addr : range.addr + i * half;
    }

    private long length(int i) {
        return i == WHOLE ? range.len : i == 0 ? half : range.len - half;
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
