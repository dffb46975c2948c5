package jhmm.scenario;

import jhmm.mm.Mman;

/** The advice words of {@code madvise} and their MADV_* values. */
public enum Advice implements Worded {
    DONTNEED(Mman.MADV_DONTNEED),
    FREE(Mman.MADV_FREE),
    HUGEPAGE(Mman.MADV_HUGEPAGE),
    NOHUGEPAGE(Mman.MADV_NOHUGEPAGE),
    PAGEOUT(Mman.MADV_PAGEOUT),
    COLLAPSE(Mman.MADV_COLLAPSE),
    /** jhmm addition: MADV_POPULATE_READ. */
    POPULATE_READ(Mman.MADV_POPULATE_READ),
    /** jhmm addition: MADV_POPULATE_WRITE. */
    POPULATE_WRITE(Mman.MADV_POPULATE_WRITE);

    private final int value;

    Advice(int value) {
        this.value = value;
    }

    public int value() {
        return value;
    }
}
