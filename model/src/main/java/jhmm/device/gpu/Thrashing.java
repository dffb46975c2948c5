package jhmm.device.gpu;

import java.util.HashMap;
import java.util.Map;
import jhmm.base.PageSize;

/**
 * nvidia-uvm's thrashing detection (uvm_perf_thrashing.c) without its clock: a page the CPU
 * pulled back from VRAM {@code threshold} times is thrashing; the GPU's faults on it are then
 * throttled (skipped for this pass, the warp waits for a later replay), and after
 * {@code pinThreshold} throttles the page is pinned in system memory and mapped remotely.
 * The kernel counts only events within a 500 µs lapse and forgets a page after an epoch;
 * here nothing decays, since the model keeps no time. Per-page counts live in byte arrays per
 * 2 MiB block.
 */
final class Thrashing {
    /** What the fault path does with a page. */
    enum Hint { NONE, THROTTLE, PIN }

    private static final int NR = PageSize.HPAGE_PMD_NR;
    private final int threshold;
    private final int pinThreshold;
    /** Per block: CPU round trips per page (saturating). */
    private final Map<Long, byte[]> events = new HashMap<>();
    /** Per block: throttles per page (saturating); pinned once at pinThreshold. */
    private final Map<Long, byte[]> throttles = new HashMap<>();

    Thrashing(int threshold, int pinThreshold) {
        this.threshold = threshold;
        this.pinThreshold = pinThreshold;
    }

    /** The CPU migrated [start, end) back to RAM: one event for each page. */
    synchronized void cpuPulledBack(long start, long end) {
        for (long vpn = start >>> PageSize.PAGE_SHIFT; vpn < end >>> PageSize.PAGE_SHIFT; vpn++) {
            byte[] b = events.computeIfAbsent(vpn / NR, k -> new byte[NR]);
            int i = (int) (vpn % NR);
            b[i] = (byte) Math.min(Byte.MAX_VALUE, b[i] + 1);
        }
    }

    /** The hint for a GPU fault on page {@code vpn}, counting the throttle it gives. */
    synchronized Hint onGpuFault(long vpn, GpuStats st) {
        byte[] e = events.get(vpn / NR);
        int i = (int) (vpn % NR);
        if (e == null || e[i] < threshold) {
            return Hint.NONE;
        }
        byte[] t = throttles.computeIfAbsent(vpn / NR, k -> new byte[NR]);
        if (t[i] >= pinThreshold) {
            return Hint.PIN;
        }
        t[i]++;
        st.inc(GpuStats.Counter.THROTTLED);
        if (t[i] == pinThreshold) {
            st.inc(GpuStats.Counter.PINNED);
        }
        return Hint.THROTTLE;
    }
}
