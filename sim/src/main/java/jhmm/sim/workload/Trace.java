package jhmm.sim.workload;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A recorded workload: per kernel, each warp's runs of accesses and the CPU's writes after it,
 * as read from a trace file ({@link TraceFormat}). A run is three longs: offset, count of
 * accesses, and stride in bytes shifted left by two with the access in the low bits.
 */
public final class Trace implements AccessSource {
    private final String name;
    private final long footprint;
    private final int warps;
    /** [kernel][warp]: packed runs. */
    private final long[][][] runs;
    private final long[][] cpu;

    Trace(String name, long footprint, int warps, long[][][] runs, long[][] cpu) {
        this.name = name;
        this.footprint = footprint;
        this.warps = warps;
        this.runs = runs;
        this.cpu = cpu;
    }

    public long footprint() {
        return footprint;
    }

    public int warps() {
        return warps;
    }

    public int kernels() {
        return runs.length;
    }

    @Override
    public String name() {
        return "trace " + name;
    }

    @Override
    public String description() {
        long n = 0;
        for (long[][] k : runs) {
            for (long[] w : k) {
                n += w.length / 3;
            }
        }
        return String.format(java.util.Locale.ROOT, "a recorded trace: %d kernel%s, %d warp%s, %d runs of accesses",
                kernels(), kernels() == 1 ? "" : "s", warps, warps == 1 ? "" : "s", n);
    }

    @Override
    public WarpStream warp(int kernel, int warp) {
        long[] mine = warp < runs[kernel].length ? runs[kernel][warp] : new long[0];
        int[] at = {0};
        return r -> {
            if (at[0] == mine.length) {
                return false;
            }
            int i = at[0];
            at[0] += 3;
            r.set(mine[i], mine[i + 1], mine[i + 2] >>> 2, Access.values()[(int) (mine[i + 2] & 3)]);
            return true;
        };
    }

    @Override
    public long[] cpuWrites(int kernel) {
        return cpu[kernel].clone();
    }

    /** Collects a trace as a reader meets its records, checking each against the footprint. */
    static final class Builder {
        private final String name;
        private long footprint;
        private final List<List<LongList>> kernels = new ArrayList<>();
        private final List<LongList> cpu = new ArrayList<>();
        private int warps;
        private long highest;

        Builder(String name) {
            this.name = name;
        }

        void footprint(long bytes) {
            footprint = bytes;
        }

        void kernel() {
            kernels.add(new ArrayList<>());
            cpu.add(new LongList());
        }

        boolean inKernel() {
            return !kernels.isEmpty();
        }

        /** Adds a run of a warp: why it cannot be, or null. */
        String run(int warp, Access access, long offset, long length, long stride) {
            if (warp >= 1 << 20) {
                return "warps are numbered 0 to 1048575";
            }
            if (offset < 0 || length <= 0 || stride <= 0 || stride > 1L << 38) {
                return "offset must be 0 or more, length above 0, stride 1 to 2^38";
            }
            long count = (length + stride - 1) / stride;
            String bad = reaches(offset + (count - 1) * stride + Run.LINE);
            if (bad != null) {
                return bad;
            }
            List<LongList> k = kernels.getLast();
            while (k.size() <= warp) {
                k.add(new LongList());
            }
            k.get(warp).add(offset, count, stride << 2 | access.ordinal());
            warps = Math.max(warps, warp + 1);
            return null;
        }

        String cpuWrite(long offset, long length) {
            if (offset < 0 || length <= 0) {
                return "offset must be 0 or more, length above 0";
            }
            String bad = reaches(offset + length);
            if (bad == null) {
                cpu.getLast().add(offset, length);
            }
            return bad;
        }

        /** Notes that the trace touches bytes up to {@code end}: why that cannot be, or null. */
        private String reaches(long end) {
            if (footprint > 0 && end > footprint) {
                return "it reaches byte " + end + ", past the footprint of " + footprint + " bytes";
            }
            highest = Math.max(highest, end);
            return null;
        }

        Trace build() {
            long fp = footprint > 0 ? footprint : Math.max(2L << 20, (highest + (2L << 20) - 1) / (2L << 20) * (2L << 20));
            long[][][] r = new long[kernels.size()][][];
            long[][] c = new long[kernels.size()][];
            for (int k = 0; k < r.length; k++) {
                List<LongList> ws = kernels.get(k);
                r[k] = new long[ws.size()][];
                for (int w = 0; w < ws.size(); w++) {
                    r[k][w] = ws.get(w).toArray();
                }
                c[k] = cpu.get(k).toArray();
            }
            return new Trace(name, fp, Math.max(1, warps), r, c);
        }
    }

    /** A growable array of longs. */
    static final class LongList {
        private long[] a = new long[12];
        private int n;

        void add(long... values) {
            if (n + values.length > a.length) {
                a = Arrays.copyOf(a, Math.max(a.length * 2, n + values.length));
            }
            System.arraycopy(values, 0, a, n, values.length);
            n += values.length;
        }

        long[] toArray() {
            return Arrays.copyOf(a, n);
        }
    }
}
