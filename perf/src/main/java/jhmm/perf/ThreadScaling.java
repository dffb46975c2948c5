package jhmm.perf;

import java.util.function.Consumer;
import jhmm.perf.host.HostHalves;
import jhmm.perf.host.HostSupport;
import jhmm.perf.model.ModelHalves;
import jhmm.perf.model.ModelMachinePerHalf;

/**
 * The many-threads figure of issue 15: MADV_POPULATE_WRITE then munmap of a range of 4 KiB
 * pages in two halves, by one thread (half after half) and by two threads (a half each) in
 * one process, on the model and on the host kernel, rounds interleaved so both see the same
 * load. Each side's scaling is its 1-thread median time over its 2-thread median time: the
 * throughput of 2 threads relative to 1. A control side runs the model with each half on a
 * machine of its own ({@link ModelMachinePerHalf}): nothing shared, so its scaling is the most
 * this host gives the model's code. Every side is also timed on the faults alone, the munmaps
 * done after the clock stops: two munmaps of one process take turns on the mmap lock (in the
 * kernel too), so the faults' scaling is the part that split page-table locks decide.
 *
 * @param timed each side with populate and munmap timed
 * @param faults the same sides with only the populate timed
 * @param hostMissing null when the host side ran, else why not
 */
public record ThreadScaling(long size, int repeat, Sides timed, Sides faults, String hostMissing) {
    /** The scaling the issue asks of the model: what the host kernel measured here. */
    public static final double TARGET = 1.6;
    /** Untimed rounds of each variant before the timed ones: the model's JIT warms up on 1 GiB in a few. */
    public static final int WARMUP = 3;

    /** A side's median round with 1 thread and with 2, in ns. */
    public record Timing(long oneThread, long twoThreads) {
        /** Throughput with 2 threads over 1 thread; NaN for a side that did not run. */
        public double scaling() {
            return twoThreads == 0 ? Double.NaN : (double) oneThread / twoThreads;
        }
    }

    /** The model, the control (a machine per half) and the host, for one workload. */
    public record Sides(Timing model, Timing apart, Timing host) {
        public boolean met() {
            return model.scaling() >= TARGET;
        }
    }

    /**
     * @throws IllegalStateException when either side failed to do its work
     */
    public static ThreadScaling measure(long size, int repeat, HostSupport host, Consumer<String> progress) {
        String hostMissing = host.reason(Kind.PAGE_4K, size);
        try (Halves model = new ModelHalves(size); Halves apart = new ModelMachinePerHalf(size);
                Halves hostSide = hostMissing == null ? new HostHalves(size) : null) {
            Halves[] sides = {model, apart, hostSide};
            for (int i = 0; i < WARMUP; i++) {
                for (Halves side : sides) {
                    for (boolean unmapTimed : new boolean[] {true, false}) {
                        round(side, 1, unmapTimed);
                        round(side, 2, unmapTimed);
                    }
                }
            }
            progress.accept("warm-up done");
            // per side and workload: 1 thread, 2 threads
            long[][] ns = new long[4 * sides.length][repeat];
            for (int i = 0; i < repeat; i++) {
                for (int s = 0; s < sides.length; s++) {
                    for (int w = 0; w < 2; w++) {
                        ns[4 * s + 2 * w][i] = round(sides[s], 1, w == 0);
                        ns[4 * s + 2 * w + 1][i] = round(sides[s], 2, w == 0);
                    }
                }
            }
            Timing[] t = new Timing[2 * sides.length];
            for (int k = 0; k < t.length; k++) {
                t[k] = new Timing((long) Samples.median(ns[2 * k]), (long) Samples.median(ns[2 * k + 1]));
            }
            return new ThreadScaling(size, repeat, new Sides(t[0], t[2], t[4]), new Sides(t[1], t[3], t[5]), hostMissing);
        }
    }

    /**
     * Maps (untimed), populates and unmaps both halves from {@code threads} threads, checks
     * (untimed): the ns in between. Without {@code unmapTimed} the clock stops once both
     * halves are populated, and the calling thread unmaps them after.
     */
    public static long round(Halves side, int threads, boolean unmapTimed) {
        if (side == null) {
            return 0;
        }
        side.map();
        Thread[] workers = new Thread[threads];
        RuntimeException[] failure = new RuntimeException[1];
        for (int t = 0; t < threads; t++) {
            int first = t;
            workers[t] = Thread.ofPlatform().name("halves-" + t).unstarted(() -> {
                try {
                    for (int half = first; half < 2; half += threads) {
                        side.populate(half);
                        if (unmapTimed) {
                            side.unmap(half);
                        }
                    }
                } catch (RuntimeException e) {
                    synchronized (failure) {
                        failure[0] = e;
                    }
                }
            });
        }
        long t0 = System.nanoTime();
        for (Thread w : workers) {
            w.start();
        }
        for (Thread w : workers) {
            joinUninterruptibly(w);
        }
        long ns = System.nanoTime() - t0;
        synchronized (failure) {
            if (failure[0] != null) {
                throw failure[0];
            }
        }
        if (!unmapTimed) {
            side.unmap(0);
            side.unmap(1);
        }
        side.check();
        return ns;
    }

    private static void joinUninterruptibly(Thread t) {
        boolean interrupted = false;
        while (true) {
            try {
                t.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
