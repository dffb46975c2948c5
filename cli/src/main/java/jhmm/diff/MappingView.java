package jhmm.diff;

import java.util.Arrays;

/**
 * One named mapping of one process as a side shows it after a command: where it starts (in
 * the model's addresses), each page's {@link PageCodes code}, and for each page the index (in
 * the snapshot's page order) of the first page that maps the same frame, or -1 when it maps
 * none or frames are not visible.
 */
record MappingView(String process, String mapping, long start, long length, int[] codes, int[] firstSharer) {
    @Override
    public boolean equals(Object o) {
        return o instanceof MappingView v && process.equals(v.process) && mapping.equals(v.mapping)
                && start == v.start && length == v.length && Arrays.equals(codes, v.codes)
                && Arrays.equals(firstSharer, v.firstSharer);
    }

    @Override
    public int hashCode() {
        return 31 * process.hashCode() + mapping.hashCode();
    }

    /** Where this mapping is, as text: {@code p buf}. */
    String name() {
        return process + " " + mapping;
    }
}
