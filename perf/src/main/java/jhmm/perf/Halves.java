package jhmm.perf;

/**
 * One side of the threads row: a range of 4 KiB pages split in two halves, each populated for
 * write then unmapped by whichever thread is given it (or the unmap left out of the timing). Not timed: {@link #map} before a round,
 * {@link #check} after it.
 */
public interface Halves extends AutoCloseable {
    /** Maps the whole range, not populated. */
    void map();

    /**
     * MADV_POPULATE_WRITE over half {@code i} (0 or 1); safe to call for the two halves from
     * two threads at once.
     *
     * @throws IllegalStateException when the call fails
     */
    void populate(int i);

    /**
     * munmap of half {@code i}; safe to call for the two halves from two threads at once.
     *
     * @throws IllegalStateException when the call fails
     */
    void unmap(int i);

    /** Checks that nothing of the range is left mapped or resident. */
    void check();

    @Override
    void close();
}
