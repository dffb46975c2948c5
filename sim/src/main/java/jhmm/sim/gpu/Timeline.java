package jhmm.sim.gpu;

import java.util.Arrays;

/**
 * Samples taken at each batch's end and each kernel's end: simulated time, buffer pages in VRAM,
 * faults so far, and bytes the link was asked to move each way so far.
 */
final class Timeline {
    static final int COLUMNS = 5;

    private long[][] rows = new long[COLUMNS][256];
    private int n;

    void add(long t, long vramPages, long faults, long bytesToGpu, long bytesToHost) {
        if (n == rows[0].length) {
            for (int k = 0; k < COLUMNS; k++) {
                rows[k] = Arrays.copyOf(rows[k], n * 2);
            }
        }
        rows[0][n] = t;
        rows[1][n] = vramPages;
        rows[2][n] = faults;
        rows[3][n] = bytesToGpu;
        rows[4][n] = bytesToHost;
        n++;
    }

    long[][] toArrays() {
        long[][] out = new long[COLUMNS][];
        for (int k = 0; k < COLUMNS; k++) {
            out[k] = Arrays.copyOf(rows[k], n);
        }
        return out;
    }
}
