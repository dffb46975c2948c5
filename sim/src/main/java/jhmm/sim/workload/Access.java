package jhmm.sim.workload;

/** What a warp's access to a 128-byte line does. */
public enum Access {
    READ,
    WRITE,
    /** Read, then write the same line: a read fault may come first, then a write fault. */
    READ_MODIFY_WRITE
}
