package jhmm.sim.workload;

import java.util.Locale;
import java.util.SplittableRandom;

/** The built-in GPU workloads: each gives every warp its accesses for each kernel. */
public enum Workload {
    STREAM_READ("every 128-byte line once per kernel in a grid-stride loop, reading") {
        @Override
        public WarpStream stream(WorkloadSpec w, int kernel, int warp) {
            return gridStride(w, warp, Run.LINE, Access.READ);
        }
    },
    STREAM_WRITE("every line once per kernel in a grid-stride loop, writing") {
        @Override
        public WarpStream stream(WorkloadSpec w, int kernel, int warp) {
            return gridStride(w, warp, Run.LINE, Access.WRITE);
        }
    },
    STREAM_RMW("every line once per kernel in a grid-stride loop, read then written") {
        @Override
        public WarpStream stream(WorkloadSpec w, int kernel, int warp) {
            return gridStride(w, warp, Run.LINE, Access.READ_MODIFY_WRITE);
        }
    },
    STRIDED("one line of every `stride` bytes per kernel, reading: sparse touches of many pages") {
        @Override
        public WarpStream stream(WorkloadSpec w, int kernel, int warp) {
            return gridStride(w, warp, w.stride(), Access.READ);
        }
    },
    RANDOM("uniformly random lines, `access-fraction` of the buffer's lines per kernel, reading") {
        @Override
        public WarpStream stream(WorkloadSpec w, int kernel, int warp) {
            return randomLines(w, kernel, warp, null);
        }
    },
    HOT_COLD("lines of Zipf-popular pages (exponent `zipf-exponent`; the hot pages lead the buffer), reading") {
        @Override
        public WarpStream stream(WorkloadSpec w, int kernel, int warp) {
            return randomLines(w, kernel, warp, new ZipfSampler(w.footprint() >>> 12, w.zipfExponent()));
        }
    },
    STENCIL("a 2D 5-point stencil over two square grids (halves of the buffer), swapped each kernel") {
        @Override
        public WarpStream stream(WorkloadSpec w, int kernel, int warp) {
            return new StencilRows(w, kernel, warp);
        }
    },
    MATMUL("C = A x B over three square matrices (thirds of the buffer) in 32x32 tiles, one warp per tile of C") {
        @Override
        public WarpStream stream(WorkloadSpec w, int kernel, int warp) {
            return new MatmulTiles(w, warp);
        }
    },
    PING_PONG("stream-rmw kernels with the CPU writing `cpu-touch` of the buffer between them") {
        @Override
        public WarpStream stream(WorkloadSpec w, int kernel, int warp) {
            return gridStride(w, warp, Run.LINE, Access.READ_MODIFY_WRITE);
        }

        @Override
        public double cpuTouch(WorkloadSpec w) {
            return w.cpuTouch();
        }
    };

    private final String description;

    Workload(String description) {
        this.description = description;
    }

    /** The name users give it: {@code stream-read}, {@code hot-cold}. */
    public String word() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public String description() {
        return description;
    }

    /** The workload called {@code word}, or null. */
    public static Workload of(String word) {
        for (Workload w : values()) {
            if (w.word().equals(word)) {
                return w;
            }
        }
        return null;
    }

    /** Warp {@code warp}'s accesses in kernel {@code kernel} (0-based). */
    public abstract WarpStream stream(WorkloadSpec w, int kernel, int warp);

    /** The fraction of the buffer the CPU writes after each kernel but the last. */
    public double cpuTouch(WorkloadSpec w) {
        return 0;
    }

    /** This workload with its settings, as a simulation reads it. */
    public AccessSource source(WorkloadSpec spec) {
        Workload w = this;
        long touch = (long) (cpuTouch(spec) * spec.footprint()) >>> 12 << 12;
        long[] writes = touch == 0 ? new long[0] : new long[] {0, touch};
        return new AccessSource() {
            @Override
            public String name() {
                return word();
            }

            @Override
            public String description() {
                return description;
            }

            @Override
            public WarpStream warp(int kernel, int warp) {
                return w.stream(spec, kernel, warp);
            }

            @Override
            public long[] cpuWrites(int kernel) {
                return writes.clone();
            }
        };
    }

    /** Elements of {@code size} bytes, warp w taking w, w+W, ...: one line each. */
    private static WarpStream gridStride(WorkloadSpec w, int warp, long size, Access access) {
        long elements = w.footprint() / size;
        long count = elements > warp ? (elements - warp + w.warps() - 1) / w.warps() : 0;
        boolean[] given = {false};
        return r -> {
            if (given[0] || count == 0) {
                return false;
            }
            given[0] = true;
            r.set(warp * size, count, w.warps() * size, access);
            return true;
        };
    }

    private static WarpStream randomLines(WorkloadSpec w, int kernel, int warp, ZipfSampler zipf) {
        SplittableRandom rnd = new SplittableRandom(w.seed() * 0x9E3779B97F4A7C15L + ((long) kernel << 20) + warp);
        long total = Math.max(1, (long) (w.lines() * w.accessFraction()));
        long[] left = {total / w.warps() + (warp < total % w.warps() ? 1 : 0)};
        long linesPerPage = 4096 / Run.LINE;
        return r -> {
            if (left[0] == 0) {
                return false;
            }
            left[0]--;
            long line = zipf == null ? rnd.nextLong(w.lines())
                    : (zipf.sample(rnd) - 1) * linesPerPage + rnd.nextLong(linesPerPage);
            r.set(line * Run.LINE, 1, Run.LINE, Access.READ);
            return true;
        };
    }
}
