package jhmm.diff;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.LongStream;
import jhmm.scenario.Advice;
import jhmm.scenario.Command;
import jhmm.scenario.FileReport;
import jhmm.scenario.MapKind;
import jhmm.scenario.Range;
import jhmm.scenario.ScenarioParser;
import jhmm.scenario.ScenarioRunner;
import jhmm.scenario.Step;
import jhmm.scenario.Target;
import org.junit.jupiter.api.Test;

class RandomScenariosTest {
    private static final int SEEDS = 2000;
    /** The files of seeds 0 to SEEDS-1, generated once for the tests that look at all of them. */
    private static final List<List<String>> FILES =
            LongStream.range(0, SEEDS).mapToObj(RandomScenarios::generate).toList();

    private static List<Step> steps(List<String> lines) {
        return ScenarioParser.parse("random.scn", String.join("\n", lines)).steps();
    }

    @Test
    void everySeedGivesAFileTheParserAccepts() {
        for (int seed = 0; seed < SEEDS; seed++) {
            List<String> lines = FILES.get(seed);
            assertThat(ScenarioLines.parses(lines)).as("seed %d:%n%s", seed, String.join("\n", lines)).isTrue();
        }
    }

    /** The generator's idea of which names are live matches the runner's: no step fails but with an errno. */
    @Test
    void everyStepRunsOnTheModelOrReturnsAnErrno() {
        for (int seed = 0; seed < 300; seed++) {
            FileReport report = ScenarioRunner.run(
                    ScenarioParser.parse("random.scn", String.join("\n", FILES.get(seed))), false);
            assertThat(report.failures())
                    .as("seed %d", seed)
                    .allMatch(f -> "ok".equals(f.expected()) && f.actual().matches("E[A-Z]+"));
        }
    }

    @Test
    void theSameSeedGivesTheSameLinesAndOtherSeedsOtherLines() {
        assertThat(RandomScenarios.generate(42)).isEqualTo(RandomScenarios.generate(42));
        assertThat(LongStream.range(0, 50).mapToObj(RandomScenarios::generate).distinct()).hasSize(50);
    }

    @Test
    void commandsStayWithinTheBounds() {
        RandomScenarios.Bounds bounds = new RandomScenarios.Bounds(3, 6);
        for (long seed = 0; seed < 200; seed++) {
            List<Step> steps = steps(RandomScenarios.generate(seed, bounds));
            long afterSetUp = steps.stream()
                    .dropWhile(s -> !(s.command() instanceof Command.Mmap))
                    .filter(s -> !(s.command() instanceof Command.Madvise m && m.advice() == Advice.HUGEPAGE
                            && m.range().equals(Range.WHOLE)))
                    .count();
            // 1 to 3 set-up mmaps come before the commands
            assertThat(afterSetUp).as("seed %d", seed).isBetween(1L + 3, 3L + 6);
        }
    }

    @Test
    void badBoundsAreRefused() {
        assertThatThrownBy(() -> new RandomScenarios.Bounds(5, 4)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RandomScenarios.Bounds(-1, 4)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void onlyCommandsTheHostCanRunAppear() {
        for (int seed = 0; seed < SEEDS; seed++) {
            List<String> lines = FILES.get(seed);
            assertThat(lines.get(0)).isEqualTo("machine ram=256M");
            for (String line : lines) {
                assertThat(line.split(" "))
                        .as("seed %d: %s", seed, line)
                        .doesNotContain("expect", "check", "kernel", "device", "gup", "unpin")
                        .noneMatch(w -> w.startsWith("thp=") || w.startsWith("hugetlb") || w.startsWith("dev="));
            }
        }
    }

    @Test
    void mappingsAndReadsStaySmall() {
        for (List<String> lines : FILES) {
            for (Step step : steps(lines)) {
                switch (step.command()) {
                    case Command.Mmap m -> assertThat(m.size()).isBetween(4096L, 8L << 20);
                    case Command.Mremap r -> assertThat(r.newSize()).isBetween(4096L, 8L << 20);
                    case Command.Read r -> assertThat(r.len()).isBetween(1, 64 << 10);
                    default -> {
                        // the other commands hold no size that costs time
                    }
                }
            }
        }
    }

    @Test
    void acrossSeedsEveryCommandAndMappingKindAppears() {
        Map<String, Integer> seen = new TreeMap<>();
        for (List<String> lines : FILES) {
            Map<Target, Long> sizes = new HashMap<>();
            for (Step step : steps(lines)) {
                features(step.command(), sizes).forEach(f -> seen.merge(f, 1, Integer::sum));
            }
        }
        List<String> expected = new ArrayList<>(List.of(
                "file", "file pattern", "mmap populate", "mmap align=2M", "mmap offset=", "mmap prot 0", "mmap prot 1",
                "mmap prot 2", "mmap prot 3", "mmap prot 5", "mmap prot 7", "write", "read", "mprotect whole",
                "mprotect partial", "mprotect len=0", "munmap whole", "munmap partial", "mremap grow", "mremap shrink",
                "mremap same size", "mremap to=", "mremap dontunmap", "fork", "exit"));
        for (MapKind kind : MapKind.values()) {
            expected.add("mmap " + kind);
        }
        for (Advice advice : Advice.values()) {
            expected.add("madvise " + advice + " whole");
            expected.add("madvise " + advice + " partial");
        }
        assertThat(seen).containsKeys(expected.toArray(String[]::new));
    }

    /** The features a command shows; {@code sizes} follows the mappings' sizes to tell a grow from a shrink. */
    private static List<String> features(Command command, Map<Target, Long> sizes) {
        return switch (command) {
            case Command.NewFile f -> f.contents().equals(jhmm.base.Pattern.ZERO)
                    ? List.of("file")
                    : List.of("file", "file pattern");
            case Command.Mmap m -> {
                sizes.put(m.target(), m.size());
                List<String> f = new ArrayList<>(List.of("mmap " + m.kind(), "mmap prot " + m.prot()));
                if (m.populate()) {
                    f.add("mmap populate");
                }
                if (m.align().isPresent() && m.align().getAsLong() == 2L << 20) {
                    f.add("mmap align=2M");
                }
                if (m.offset() > 0) {
                    f.add("mmap offset=");
                }
                yield f;
            }
            case Command.Write w -> List.of("write");
            case Command.Read r -> List.of("read");
            case Command.Mprotect p -> List.of("mprotect " + rangeKind(p.range()));
            case Command.Madvise a -> List.of("madvise " + a.advice() + " " + (a.range().equals(Range.WHOLE)
                    ? "whole"
                    : "partial"));
            case Command.Munmap u -> List.of("munmap " + (u.range().equals(Range.WHOLE) ? "whole" : "partial"));
            case Command.Mremap r -> {
                long old = sizes.put(r.target(), r.newSize());
                List<String> f = new ArrayList<>(List.of(
                        r.newSize() > old ? "mremap grow" : r.newSize() < old ? "mremap shrink" : "mremap same size"));
                r.to().ifPresent(to -> f.add("mremap to="));
                if (r.dontUnmap()) {
                    f.add("mremap dontunmap");
                }
                yield f;
            }
            case Command.Fork f -> {
                Map.copyOf(sizes).forEach((t, size) -> {
                    if (t.process().equals(f.parent())) {
                        sizes.put(new Target(f.child(), t.mapping()), size);
                    }
                });
                yield List.of("fork");
            }
            case Command.Exit e -> List.of("exit");
            default -> List.of();
        };
    }

    private static String rangeKind(Range range) {
        if (range.equals(Range.WHOLE)) {
            return "whole";
        }
        return range.len().isPresent() && range.len().getAsLong() == 0 ? "len=0" : "partial";
    }
}
