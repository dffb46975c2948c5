package jhmm.diff;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import jhmm.scenario.Command;
import jhmm.scenario.Range;
import jhmm.scenario.Scenario;
import jhmm.scenario.ScenarioError;
import jhmm.scenario.ScenarioParser;
import jhmm.scenario.Step;

/** Scenario text held as one string per source line, as the generator makes it and the shrinker cuts it. */
public final class ScenarioLines {
    private static final String FILE = "random.scn";

    private ScenarioLines() {}

    /**
     * True when the real parser accepts {@code lines} and no {@code mmap} reuses a name that is
     * still live: the parser lets that pass (the first mmap may have failed at run time) but the
     * runner refuses it, so such a file cannot be run without an error of its own.
     */
    public static boolean parses(List<String> lines) {
        return firstBadLine(lines).isEmpty();
    }

    /** The index of the first line {@link #parses} rejects. */
    static OptionalInt firstBadLine(List<String> lines) {
        Scenario scenario;
        try {
            scenario = ScenarioParser.parse(FILE, String.join("\n", lines));
        } catch (ScenarioError e) {
            return OptionalInt.of(e.line() - 1);
        }
        return firstLiveNameMapped(scenario);
    }

    /**
     * {@code lines} without the lines {@link #parses} rejects, dropped first to last: dropping a
     * definition drops the lines that use it.
     */
    static List<String> repaired(List<String> lines) {
        List<String> kept = new ArrayList<>(lines);
        for (OptionalInt bad = firstBadLine(kept); bad.isPresent(); bad = firstBadLine(kept)) {
            kept.remove(bad.getAsInt());
        }
        return kept;
    }

    /** The mappings each process names, followed as the parser follows them. */
    private static OptionalInt firstLiveNameMapped(Scenario scenario) {
        Map<String, Set<String>> live = new HashMap<>();
        for (Step step : scenario.steps()) {
            switch (step.command()) {
                case Command.NewProcess p -> live.put(p.name(), new HashSet<>());
                case Command.Mmap m -> {
                    if (!live.get(m.target().process()).add(m.target().mapping())) {
                        return OptionalInt.of(step.line() - 1);
                    }
                }
                case Command.Munmap u when u.range().equals(Range.WHOLE) ->
                        live.get(u.target().process()).remove(u.target().mapping());
                case Command.Fork f -> live.put(f.child(), new HashSet<>(live.get(f.parent())));
                case Command.Exit e -> live.get(e.process()).clear();
                default -> {
                    // other commands neither make nor forget names
                }
            }
        }
        return OptionalInt.empty();
    }
}
