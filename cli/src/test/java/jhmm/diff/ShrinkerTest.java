package jhmm.diff;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import jhmm.scenario.Command;
import jhmm.scenario.ScenarioParser;
import jhmm.scenario.Step;
import org.junit.jupiter.api.Test;

class ShrinkerTest {
    private static final long PAGE = 4096;

    /** A stand-in for a divergence: a process forks, then the child writes at least two pages. */
    private static boolean childWritesTwoPages(List<String> lines) {
        List<String> children = new ArrayList<>();
        for (Step step : ScenarioParser.parse("t.scn", String.join("\n", lines)).steps()) {
            if (step.command() instanceof Command.Fork f) {
                children.add(f.child());
            }
            if (step.command() instanceof Command.Write w && children.contains(w.target().process())
                    && w.len() >= 2 * PAGE) {
                return true;
            }
        }
        return false;
    }

    private static final List<String> DIVERGING = List.of(
            "machine ram=256M",
            "file f1 4p pattern=i32",
            "process p",
            "p mmap m1 6M rw anon-private align=2M",
            "p madvise m1 hugepage",
            "p mmap m2 3p r file-shared file=f1 offset=1p",
            "p write m1 4p 1M i32",
            "p fork c1",
            "c1 read m2 0 100",
            "p mprotect m1 r off=1p len=2p",
            "c1 write m1 1p 5p -i32",
            "p munmap m2",
            "c1 exit");

    @Test
    void shrinksToTheMmapTheForkAndTheChildsSmallestWrite() {
        assertThat(Shrinker.shrink(DIVERGING, ShrinkerTest::childWritesTwoPages)).containsExactly(
                "machine ram=256M",
                "process p",
                "p mmap m1 1p rw anon-private align=1p",
                "p fork c1",
                "c1 write m1 0 2p -i32");
    }

    @Test
    void neverCallsThePredicateMoreThanTheBound() {
        List<Predicate<List<String>>> predicates = List.of(
                lines -> true, lines -> false, lines -> Math.floorMod(lines.hashCode(), 3) == 0);
        for (Predicate<List<String>> predicate : predicates) {
            for (int bound : new int[] {0, 1, 5, 20, Shrinker.MAX_CALLS}) {
                for (long seed = 0; seed < 5; seed++) {
                    AtomicInteger calls = new AtomicInteger();
                    Predicate<List<String>> counted = lines -> calls.incrementAndGet() > 0 && predicate.test(lines);
                    Shrinker.shrink(RandomScenarios.generate(seed), counted, bound);
                    assertThat(calls).as("bound %d, seed %d", bound, seed).hasValueLessThanOrEqualTo(bound);
                }
            }
        }
    }

    @Test
    void returnsAListThePredicateAcceptedAndOnlyShowsItLinesThatParse() {
        Predicate<List<String>> forkAndDontneed = lines -> lines.stream().anyMatch(l -> l.contains(" fork "))
                && lines.stream().anyMatch(l -> l.contains(" dontneed"));
        int shrunk = 0;
        for (long seed = 0; seed < 100; seed++) {
            List<String> generated = RandomScenarios.generate(seed);
            if (!forkAndDontneed.test(generated)) {
                continue;
            }
            List<List<String>> shown = new ArrayList<>();
            List<String> result = Shrinker.shrink(generated, lines -> {
                shown.add(lines);
                return forkAndDontneed.test(lines);
            });
            assertThat(forkAndDontneed.test(result)).as("seed %d: %s", seed, result).isTrue();
            assertThat(shown).allMatch(ScenarioLines::parses).doesNotHaveDuplicates();
            assertThat(result.size()).isLessThan(generated.size());
            shrunk++;
        }
        assertThat(shrunk).as("seeds with a fork and a dontneed").isGreaterThan(5);
    }

    @Test
    void keepsTheInputWhenNothingSmallerFails() {
        List<String> lines = List.of("machine ram=256M", "process p", "p mmap m 1p rw anon-private");
        assertThat(Shrinker.shrink(lines, candidate -> candidate.equals(lines))).isEqualTo(lines);
    }
}
