package jhmm.perf;

/**
 * One side (model or host) of one operation over one range, as the runner and the JMH
 * benchmarks drive it: {@link #prepare}, then the timed {@link #run}, then {@link #finish},
 * as often as wanted, then {@link #close}. Only {@link #run} is measured.
 */
public interface RangeOp extends AutoCloseable {
    /** The 4 KiB pages the operation covers: what its time is divided by. A THP counts as 512. */
    long pages();

    /** Untimed: brings the range to the state {@link #run} starts from; nothing for an operation that leaves it there. */
    default void prepare() {}

    /** The measured call. */
    void run();

    /**
     * Untimed: checks that {@link #run} did its work and releases what {@link #prepare} made
     * for it.
     *
     * @throws IllegalStateException when it did not: the figure would be a fast wrong number
     */
    void finish();

    /** A remark the result should carry (e.g. the host gave fewer THPs than asked), or null. */
    default String note() {
        return null;
    }

    @Override
    void close();
}
