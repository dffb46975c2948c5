package jhmm.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Runs a property on one generated case (a setup and a list of steps) and, when it fails, makes
 * the failing list small before reporting it: first whole runs of steps are dropped (halves,
 * quarters, ... single steps), then each remaining step is replaced by simpler forms of itself.
 * A smaller case counts only when it fails with the same exception class, so that shrinking
 * does not wander to another bug. Bounded in runs and time: a property run can take a while.
 */
public final class Shrinker<C, S> {
    private static final int MAX_RUNS = 600;
    private static final long MAX_NANOS = 60_000_000_000L;

    private final C setup;
    private final BiConsumer<C, List<S>> property;
    private final Function<S, List<S>> simpler;
    private int runs;
    private long deadline;

    private Shrinker(C setup, BiConsumer<C, List<S>> property, Function<S, List<S>> simpler) {
        this.setup = setup;
        this.property = property;
        this.simpler = simpler;
    }

    /**
     * Checks {@code property} on {@code setup} and {@code steps}, made from the random seed
     * {@code seed}; a failure is rethrown as an AssertionError naming the seed, the setup and the
     * shrunk steps, caused by the shrunk case's failure. {@code simpler} gives a step's simpler
     * forms (none for a step as simple as it gets).
     */
    public static <C, S> void check(long seed, C setup, List<S> steps, BiConsumer<C, List<S>> property, Function<S, List<S>> simpler) {
        Throwable first = failureOf(property, setup, steps);
        if (first == null) {
            return;
        }
        Shrinker<C, S> shrinker = new Shrinker<>(setup, property, simpler);
        List<S> small = shrinker.shrink(steps, first.getClass());
        Throwable last = failureOf(property, setup, small);
        throw new AssertionError(String.format("falsified by seed %d (again: -Djhmm.seed=%d) with %d steps, shrunk to %d in %d runs%n"
                        + "setup: %s%nsteps: %s%n%s",
                seed, seed, steps.size(), small.size(), shrinker.runs, setup, small, last.getMessage()), last);
    }

    private static <C, S> Throwable failureOf(BiConsumer<C, List<S>> property, C setup, List<S> steps) {
        try {
            property.accept(setup, steps);
            return null;
        } catch (RuntimeException | AssertionError e) {
            return e;
        }
    }

    private List<S> shrink(List<S> steps, Class<?> kind) {
        deadline = System.nanoTime() + MAX_NANOS;
        Predicate<List<S>> fails = candidate -> {
            runs++;
            Throwable t = failureOf(property, setup, candidate);
            return t != null && t.getClass() == kind;
        };
        List<S> current = dropRuns(steps, fails);
        return simplifySteps(current, fails);
    }

    private boolean spent() {
        return runs >= MAX_RUNS || System.nanoTime() > deadline;
    }

    private List<S> dropRuns(List<S> steps, Predicate<List<S>> fails) {
        List<S> current = steps;
        for (int chunk = current.size() / 2; chunk >= 1; chunk /= 2) {
            for (int i = 0; i + chunk <= current.size() && !spent(); ) {
                List<S> candidate = new ArrayList<>(current.subList(0, i));
                candidate.addAll(current.subList(i + chunk, current.size()));
                if (fails.test(candidate)) {
                    current = candidate;
                } else {
                    i += chunk;
                }
            }
        }
        return current;
    }

    private List<S> simplifySteps(List<S> steps, Predicate<List<S>> fails) {
        List<S> current = new ArrayList<>(steps);
        for (int i = 0; i < current.size(); i++) {
            boolean progress = true;
            while (progress && !spent()) {
                progress = false;
                for (S form : simpler.apply(current.get(i))) {
                    List<S> candidate = new ArrayList<>(current);
                    candidate.set(i, form);
                    if (fails.test(candidate)) {
                        current = candidate;
                        progress = true;
                        break;
                    }
                }
            }
        }
        return current;
    }
}
