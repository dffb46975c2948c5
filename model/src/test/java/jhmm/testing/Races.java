package jhmm.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Method;
import java.util.List;
import jhmm.base.Pattern;
import jhmm.phys.BuddyAllocator;
import org.jetbrains.kotlinx.lincheck.Actor;
import org.jetbrains.kotlinx.lincheck.execution.ExecutionScenario;
import org.jetbrains.lincheck.LincheckAssertionError;
import org.jetbrains.lincheck.datastructures.ManagedStrategyGuaranteeKt;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;

/**
 * Lincheck model checking of one race between two threads, named by the test's operations: each
 * thread runs its operations in order, then the checks run alone. A result no sequential order
 * of the two threads could give is a bug Lincheck reports with the interleaving.
 */
public final class Races {
    private Races() {}

    /** Thread 1 runs {@code first}, thread 2 {@code second}, then {@code after} runs alone. */
    public static ExecutionScenario race(Class<?> state, List<String> first, List<String> second, List<String> after) {
        return new ExecutionScenario(List.of(), List.of(actors(state, first), actors(state, second)), actors(state, after), null);
    }

    /** Explores this run's {@code budget} of interleavings of each scenario; fails with Lincheck's report. */
    public static void check(Class<?> state, Budget budget, ExecutionScenario... scenarios) {
        check(state, budget, List.of(), scenarios);
    }

    /**
     * As {@link #check(Class, Budget, ExecutionScenario...)}, with the methods of {@code atomic}
     * classes taken as single steps: where the race lies elsewhere, fewer places to switch
     * threads leave the invocations to the ones that matter.
     */
    public static void check(Class<?> state, Budget budget, List<String> atomic, ExecutionScenario... scenarios) {
        options(budget, atomic, scenarios).check(state);
    }

    /**
     * The race must be caught (a planted or historical bug) within this run's {@code budget}:
     * Lincheck reports invalid results, not a crash. Its report is not minimised: the scenario
     * (one operation per thread and the check) is already as small as it gets, and minimising
     * would explore each smaller scenario's whole budget again.
     */
    public static void assertCaught(Class<?> state, Budget budget, ExecutionScenario scenario) {
        assertThatThrownBy(() -> options(budget, List.of(), scenario).minimizeFailedScenario(false).check(state))
                .isInstanceOf(LincheckAssertionError.class)
                .satisfies(e -> assertThat(e.getMessage()).contains("= Invalid execution results ="));
    }

    private static ModelCheckingOptions options(Budget budget, List<String> atomic, ExecutionScenario... scenarios) {
        ModelCheckingOptions o = new ModelCheckingOptions().iterations(0).invocationsPerIteration(budget.get())
                // filling a page with a pattern touches nothing shared; its 1024-step loop would read as a spin loop
                .addGuarantee(ManagedStrategyGuaranteeKt.forClasses(Pattern.class.getName()).allMethods().treatAsAtomic())
                // the allocator's lists change under its own locks, never held between its calls; a
                // per-CPU refill's loop (63 steps on a large machine) would read as a spin loop too
                .addGuarantee(ManagedStrategyGuaranteeKt.forClasses(BuddyAllocator.class.getName()).allMethods().treatAsAtomic());
        if (!atomic.isEmpty()) {
            o.addGuarantee(ManagedStrategyGuaranteeKt.forClasses(atomic.toArray(String[]::new)).allMethods().treatAsAtomic());
        }
        for (ExecutionScenario s : scenarios) {
            o.addCustomScenario(s);
        }
        return o;
    }

    private static List<Actor> actors(Class<?> state, List<String> names) {
        return names.stream().map(n -> {
            try {
                Method m = state.getMethod(n);
                return new Actor(m, List.of());
            } catch (NoSuchMethodException e) {
                throw new IllegalArgumentException(state.getSimpleName() + " has no operation " + n, e);
            }
        }).toList();
    }
}
