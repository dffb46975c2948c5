package jhmm.sim.run;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntConsumer;
import jhmm.sim.gpu.GpuSim;
import jhmm.sim.gpu.GpuSimResult;
import jhmm.sim.gpu.GpuSimSettings;

/**
 * Runs several simulations on worker threads, each on its own machine and engine (nothing is
 * shared, so a run's figures do not depend on the threads), and returns the results in the
 * order of the settings, not of completion.
 */
public final class Sweep {
    private Sweep() {}

    /** Runs each setting; {@code done} hears how many have finished, as they finish. */
    public static List<GpuSimResult> run(List<GpuSimSettings> points, int threads, IntConsumer done) {
        if (threads <= 1 || points.size() == 1) {
            List<GpuSimResult> out = new ArrayList<>();
            for (GpuSimSettings s : points) {
                out.add(new GpuSim(s).run());
                done.accept(out.size());
            }
            return out;
        }
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(threads, points.size()));
        try {
            List<Future<GpuSimResult>> futures = new ArrayList<>();
            int[] finished = {0};
            for (GpuSimSettings s : points) {
                futures.add(pool.submit(() -> {
                    GpuSimResult r = new GpuSim(s).run();
                    synchronized (finished) {
                        done.accept(++finished[0]);
                    }
                    return r;
                }));
            }
            List<GpuSimResult> out = new ArrayList<>();
            for (Future<GpuSimResult> f : futures) {
                out.add(f.get());
            }
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }
}
