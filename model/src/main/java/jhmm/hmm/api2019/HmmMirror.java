package jhmm.hmm.api2019;

/** struct hmm_mirror: one device's registration on an address space. */
public final class HmmMirror {
    final HmmMirrorOps ops;
    Hmm hmm;

    public HmmMirror(HmmMirrorOps ops) {
        this.ops = ops;
    }

    public Hmm hmm() {
        return hmm;
    }
}
