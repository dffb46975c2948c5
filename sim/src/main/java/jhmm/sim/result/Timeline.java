package jhmm.sim.result;

import java.util.Arrays;

/**
 * Samples taken during a run, growing as they come: simulated time and four running figures
 * the simulation names (for a GPU: pages in VRAM, faults, bytes each way over the link).
 */
public final class Timeline {
    public static final int COLUMNS = 5;

    private long[][] rows = new long[COLUMNS][256];
    private int n;

    public void add(long t, long a, long b, long c, long d) {
        if (n == rows[0].length) {
            for (int k = 0; k < COLUMNS; k++) {
                rows[k] = Arrays.copyOf(rows[k], n * 2);
            }
        }
        rows[0][n] = t;
        rows[1][n] = a;
        rows[2][n] = b;
        rows[3][n] = c;
        rows[4][n] = d;
        n++;
    }

    /** One array a column, column 0 the times. */
    public long[][] toArrays() {
        long[][] out = new long[COLUMNS][];
        for (int k = 0; k < COLUMNS; k++) {
            out[k] = Arrays.copyOf(rows[k], n);
        }
        return out;
    }
}
