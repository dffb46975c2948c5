package jhmm.sim.run;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import java.util.function.IntConsumer;

/**
 * Runs several simulations on worker threads, each on its own machine and engine (nothing is
 * shared, so a run's figures do not depend on the threads), and returns the results in the
 * order of the settings, not of completion.
 */
public final class Sweep {
    private Sweep() {}

    /** Runs {@code simulate} on each setting; {@code done} hears how many have finished, as they finish. */
    public static <S, R> List<R> run(List<S> points, int threads, Function<S, R> simulate, IntConsumer done) {
        if (threads <= 1 || points.size() == 1) {
            List<R> out = new ArrayList<>();
            for (S s : points) {
                out.add(simulate.apply(s));
                done.accept(out.size());
            }
            return out;
        }
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(threads, points.size()));
        try {
            List<Future<R>> futures = new ArrayList<>();
            int[] finished = {0};
            for (S s : points) {
                futures.add(pool.submit(() -> {
                    R r = simulate.apply(s);
                    synchronized (finished) {
                        done.accept(++finished[0]);
                    }
                    return r;
                }));
            }
            List<R> out = new ArrayList<>();
            for (Future<R> f : futures) {
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
