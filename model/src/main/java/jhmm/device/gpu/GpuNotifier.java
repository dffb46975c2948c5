package jhmm.device.gpu;

import jhmm.notifier.MmuIntervalNotifier;

/** A drm_gpusvm notifier: one interval notifier over an aligned window, alive while ranges are in it. */
final class GpuNotifier {
    final long start;
    final long end;
    MmuIntervalNotifier sub;
    /** Ranges in the window; the notifier is removed when the last goes. */
    int ranges;

    GpuNotifier(long start, long end) {
        this.start = start;
        this.end = end;
    }
}
