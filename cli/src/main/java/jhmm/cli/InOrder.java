package jhmm.cli;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;

/**
 * Applies a function to each item on up to {@code threads} threads and hands the results back
 * in the items' order, each as soon as it and those before it are done: a run of many files
 * prints the first while later ones still run.
 */
final class InOrder {
    private InOrder() {}

    /**
     * The results of {@code f} over {@code items}, in order. With one thread, each item is done
     * on the caller's thread when its result is asked for. {@code f} must not throw.
     */
    static <T, R> Iterable<R> map(List<T> items, int threads, Function<T, R> f) {
        if (threads <= 1) {
            return () -> items.stream().map(f).iterator();
        }
        return () -> new Iterator<>() {
            private final ExecutorService pool = Executors.newFixedThreadPool(threads, r -> Thread.ofPlatform().daemon().unstarted(r));
            private final List<CompletableFuture<R>> results = submitAll();
            private int next;

            private List<CompletableFuture<R>> submitAll() {
                List<CompletableFuture<R>> all = new ArrayList<>(items.size());
                for (T item : items) {
                    all.add(CompletableFuture.supplyAsync(() -> f.apply(item), pool));
                }
                pool.shutdown();
                return all;
            }

            @Override
            public boolean hasNext() {
                return next < results.size();
            }

            @Override
            public R next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                try {
                    return results.get(next++).get();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while waiting for a file's run", e);
                } catch (ExecutionException e) {
                    throw new IllegalStateException("a file's run failed", e.getCause());
                }
            }
        };
    }
}
