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
 * this host gives the model's code.
 *
 * @param hostMissing null when the host side ran, else why not
 */
public record ThreadScaling(long size, int repeat, long model1, long model2, long apart1, long apart2,
        long host1, long host2, String hostMissing) {
    /** The scaling the issue asks of the model: what the host kernel measured here. */
    public static final double TARGET = 1.6;
    /** Untimed rounds of each variant before the timed ones: the model's JIT warms up on 1 GiB in a few. */
    public static final int WARMUP = 3;

    /** Model throughput with 2 threads over 1 thread. */
    public double modelScaling() {
        return (double) model1 / model2;
    }

    /** The control's throughput with 2 threads over 1: two machines, nothing shared. */
    public double apartScaling() {
        return (double) apart1 / apart2;
    }

    /** Host throughput with 2 threads over 1 thread; NaN without a host side. */
    public double hostScaling() {
        return hostMissing != null ? Double.NaN : (double) host1 / host2;
    }

    public boolean met() {
        return modelScaling() >= TARGET;
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
                    round(side, 1);
                    round(side, 2);
                }
            }
            progress.accept("warm-up done");
            long[][] ns = new long[2 * sides.length][repeat]; // per side: 1 thread, 2 threads
            for (int i = 0; i < repeat; i++) {
                for (int s = 0; s < sides.length; s++) {
                    ns[2 * s][i] = round(sides[s], 1);
                    ns[2 * s + 1][i] = round(sides[s], 2);
                }
            }
            long[] median = new long[ns.length];
            for (int k = 0; k < ns.length; k++) {
                median[k] = (long) Samples.median(ns[k]);
            }
            return new ThreadScaling(size, repeat, median[0], median[1], median[2], median[3], median[4], median[5], hostMissing);
        }
    }

    /** Maps (untimed), populates and unmaps both halves from {@code threads} threads, checks (untimed): the ns in between. */
    public static long round(Halves side, int threads) {
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
                        side.populateAndUnmap(half);
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
