package jhmm.hmm;

import jhmm.notifier.MmuIntervalNotifier;

/**
 * struct hmm_range (modern): the interval notifier and the sequence read for this attempt,
 * the half-open range, the caller's array (requests in, results out, one slot per 4 KiB
 * page), the request defaults and the device-private owner whose pages are reported in place.
 */
public final class HmmRange {
    public MmuIntervalNotifier notifier;
    public long notifierSeq;
    public long start;
    public long end;
    public long[] hmmPfns;
    public long defaultFlags;
    public long pfnFlagsMask;
    public Object devPrivateOwner;

    public HmmRange(MmuIntervalNotifier notifier, long start, long end, long[] hmmPfns) {
        this.notifier = notifier;
        this.start = start;
        this.end = end;
        this.hmmPfns = hmmPfns;
    }

    public int npages() {
        return (int) ((end - start) >>> 12);
    }
}
