package jhmm.diff;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import jhmm.diff.host.HostSession;
import jhmm.scenario.Command;
import jhmm.scenario.Mapping;
import jhmm.scenario.ModelStepper;
import jhmm.scenario.Result;
import jhmm.scenario.Scenario;
import jhmm.scenario.Step;
import jhmm.scenario.Target;

/**
 * Runs one scenario on the model and twice on the host, in lockstep, and stops at the first
 * command after which they differ. Expectations in the file are not checked: the host is.
 */
public final class DiffRunner {
    private final Scenario scenario;
    private final List<String> lines;

    private DiffRunner(Scenario scenario, List<String> lines) {
        this.scenario = scenario;
        this.lines = lines;
    }

    /** Compares {@code scenario} (whose source text is {@code lines}) on the model and on the host. */
    public static FileDiff run(Scenario scenario, List<String> lines) {
        return new DiffRunner(scenario, lines).run();
    }

    /** What one side showed after one command: its result, where the command's mapping is, and every page. */
    private record Observation(Result result, Optional<Mapping> place, Snapshot pages) {}

    /** Looks at the model's and a host's observation after each command; false stops the walk. */
    private interface Visitor {
        boolean visit(int index, Step step, Observation model, Observation host);
    }

    private FileDiff run() {
        try {
            new ModelStepper(scenario);
        } catch (IllegalArgumentException bad) {
            return FileDiff.notComparable(scenario.file(), scenario.machineLine(), "machine: " + bad.getMessage());
        }
        // The two host runs are made one after the other, so that background kernel work
        // (khugepaged collapsing a range) rarely hits both at the same command.
        List<Observation> first = new ArrayList<>();
        FileDiff ended;
        try (HostSession host1 = new HostSession(scenario)) {
            ended = walk(host1, (i, step, model, host) -> first.add(host));
        } catch (IOException e) {
            return FileDiff.error(scenario.file(), 0, null, "cannot set up the host side: " + e.getMessage(), 0);
        }
        FileDiff[] divergence = {null};
        try (HostSession host2 = new HostSession(scenario)) {
            walk(host2, (i, step, model, host) -> {
                if (i >= first.size()) {
                    return false;
                }
                compare(model, first.get(i), host, step).ifPresent(d -> divergence[0] = new FileDiff(scenario.file(),
                        FileDiff.Status.DIVERGE, step.line(), text(step), d.what(), d.model(), d.host(), i + 1, null));
                return divergence[0] == null;
            });
        } catch (IOException e) {
            return FileDiff.error(scenario.file(), 0, null, "cannot set up the host side: " + e.getMessage(), 0);
        }
        return divergence[0] != null ? divergence[0] : ended;
    }

    /**
     * Runs the scenario on a fresh model and on {@code host} in lockstep, showing {@code visitor}
     * both sides after each command, until the end, a command the host cannot run, a failure,
     * or the visitor stops it. Returns how the walk ended (as if every visited step agreed).
     */
    private FileDiff walk(HostSession host, Visitor visitor) {
        ModelStepper model = new ModelStepper(scenario);
        int compared = 0;
        for (Step step : scenario.steps()) {
            Optional<String> why = HostSession.unsupported(step.command());
            if (why.isPresent()) {
                String note = "line " + step.line() + ": " + why.get() + "; compared up to there";
                return compared == 0 ? FileDiff.notComparable(scenario.file(), step.line(), note)
                        : FileDiff.agree(scenario.file(), compared, note);
            }
            Observation m;
            Observation h;
            try {
                Command c = step.command();
                Result result = run(() -> model.execute(c));
                Optional<Mapping> place = target(c).flatMap(model::place);
                Result hostResult = run(() -> host.execute(c, result.ok() ? place : Optional.empty()));
                List<Snapshot.Place> places = places(model);
                m = new Observation(result, place, Snapshot.read(new ModelPages(model), places));
                h = new Observation(hostResult, target(c).flatMap(host::place), Snapshot.read(host, places));
            } catch (RuntimeException e) {
                return FileDiff.error(scenario.file(), step.line(), text(step), describe(e), compared);
            }
            if (!visitor.visit(compared, step, m, h)) {
                return FileDiff.agree(scenario.file(), compared, null);
            }
            compared++;
        }
        return FileDiff.agree(scenario.file(), compared, null);
    }

    private static Optional<Divergence> compare(Observation m, Observation h1, Observation h2, Step step) {
        Optional<Divergence> d = Comparison.results(m.result(), h1.result(), h2.result());
        if (d.isEmpty()) {
            d = target(step.command()).flatMap(t -> placement(t, m.place(), h1.place(), h2.place()));
        }
        return d.isPresent() ? d : Comparison.pages(m.pages(), h1.pages(), h2.pages());
    }

    /** A command that names something an earlier failure left undefined gives this on both sides. */
    private static final int NOT_RUN = 4095;

    private static Result run(Supplier<Result> side) {
        try {
            return side.get();
        } catch (IllegalStateException undefined) {
            if (undefined.getMessage() != null && undefined.getMessage().contains("does not exist")) {
                return Result.error(NOT_RUN);
            }
            throw undefined;
        }
    }

    private static Optional<Divergence> placement(Target t, Optional<Mapping> model, Optional<Mapping> h1, Optional<Mapping> h2) {
        if (!h1.equals(h2) || model.equals(h1)) {
            return Optional.empty();
        }
        return Optional.of(new Divergence("where " + t + " is mapped", where(model), where(h1)));
    }

    private static String where(Optional<Mapping> m) {
        return m.map(p -> "0x" + Long.toHexString(p.start()) + " (model address), " + p.length() + " bytes")
                .orElse("not mapped");
    }

    /** The mapping a command makes or moves. */
    private static Optional<Target> target(Command c) {
        return switch (c) {
            case Command.Mmap m -> Optional.of(m.target());
            case Command.Mremap r -> Optional.of(r.target());
            default -> Optional.empty();
        };
    }

    private static List<Snapshot.Place> places(ModelStepper model) {
        List<Snapshot.Place> out = new ArrayList<>();
        for (Map.Entry<String, Map<String, Mapping>> e : model.liveMappings()) {
            e.getValue().forEach((name, where) -> out.add(new Snapshot.Place(e.getKey(), name, where)));
        }
        return out;
    }

    private String text(Step step) {
        int i = step.line() - 1;
        return i >= 0 && i < lines.size() ? lines.get(i).strip() : "";
    }

    private static String describe(RuntimeException e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
