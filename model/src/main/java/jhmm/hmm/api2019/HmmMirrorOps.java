package jhmm.hmm.api2019;

/** struct hmm_mirror_ops. */
public interface HmmMirrorOps {
    /** The mm is going away; stop using it. */
    default void release(HmmMirror mirror) {}

    /**
     * Synchronously remove device mappings of [start, end). Returns 0, or -EAGAIN only when
     * the update is not blockable and the driver would have to sleep.
     */
    int syncCpuDevicePagetables(HmmMirror mirror, HmmUpdate update);
}
