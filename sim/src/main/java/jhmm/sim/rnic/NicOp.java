package jhmm.sim.rnic;

/** What the remote peer posts: the data flows into the buffer (WRITE, SEND) or out of it (READ). */
public enum NicOp {
    WRITE(true),
    READ(false),
    SEND(true);

    private final boolean intoBuffer;

    NicOp(boolean intoBuffer) {
        this.intoBuffer = intoBuffer;
    }

    /** The data lands in the buffer: the NIC needs write access to its pages. */
    boolean intoBuffer() {
        return intoBuffer;
    }
}
