package jhmm.diff;

import jhmm.scenario.SizeWords;

/** An {@code [off, off+len)} range of a mapping that a command acts on, in bytes. */
record Span(long off, long len) {
    /** The span as {@code off=... len=...} options. */
    String options() {
        return "off=" + SizeWords.format(off) + " len=" + SizeWords.format(len);
    }

    /** The span as the positional {@code OFF LEN} of read and write. */
    String positional() {
        return SizeWords.format(off) + " " + SizeWords.format(len);
    }
}
