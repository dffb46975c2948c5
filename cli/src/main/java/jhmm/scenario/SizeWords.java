package jhmm.scenario;

import jhmm.base.PageSize;

/** Size words as a person would write them (whole MiB as M, whole pages as p), so generated and shrunk files read well. */
public final class SizeWords {
    public static final long PAGE = PageSize.PAGE_SIZE;
    public static final long MIB = 1L << 20;

    private SizeWords() {}

    public static String format(long bytes) {
        if (bytes != 0 && bytes % MIB == 0) {
            return bytes / MIB + "M";
        }
        if (bytes != 0 && bytes % PAGE == 0) {
            return bytes / PAGE + "p";
        }
        return Long.toString(bytes);
    }
}
