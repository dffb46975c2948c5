package jhmm.sim.gpu;

import java.util.Arrays;

/** Samples of (time, pages in VRAM, faults so far), taken at each batch's end and each kernel's end. */
final class Timeline {
    private long[][] rows = new long[3][256];
    private int n;

    void add(long t, long vramPages, long faults) {
        if (n == rows[0].length) {
            for (int k = 0; k < 3; k++) {
                rows[k] = Arrays.copyOf(rows[k], n * 2);
            }
        }
        rows[0][n] = t;
        rows[1][n] = vramPages;
        rows[2][n] = faults;
        n++;
    }

    long[][] toArrays() {
        return new long[][] {Arrays.copyOf(rows[0], n), Arrays.copyOf(rows[1], n), Arrays.copyOf(rows[2], n)};
    }
}
