package jhmm.perf;

/**
 * One operation over one range, model and host side by side: the median ns per 4 KiB page of
 * each, and why the host's is missing when it is ({@code hostNsPerPage} is then NaN). A
 * {@code note} says what else the reader must know (e.g. the host gave fewer THPs).
 */
public record Comparison(Operation op, Kind kind, long size, double modelNsPerPage, double hostNsPerPage, String hostMissing, String note) {
    /** model / host; NaN without a host figure. */
    public double ratio() {
        return Samples.ratio(modelNsPerPage, hostNsPerPage);
    }

    /** Whether the ratio meets the operation's target; false without a host figure. */
    public boolean met() {
        return ratio() <= op.target();
    }

    public boolean hasHost() {
        return !Double.isNaN(hostNsPerPage);
    }
}
