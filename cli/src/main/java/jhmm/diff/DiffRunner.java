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

    private FileDiff run() {
        ModelStepper model;
        try {
            model = new ModelStepper(scenario);
        } catch (IllegalArgumentException bad) {
            return FileDiff.notComparable(scenario.file(), scenario.machineLine(), "machine: " + bad.getMessage());
        }
        try (HostSession host1 = new HostSession(scenario); HostSession host2 = new HostSession(scenario)) {
            return lockstep(model, host1, host2);
        } catch (IOException e) {
            return FileDiff.error(scenario.file(), 0, null, "cannot set up the host side: " + e.getMessage(), 0);
        }
    }

    private FileDiff lockstep(ModelStepper model, HostSession host1, HostSession host2) {
        int compared = 0;
        for (Step step : scenario.steps()) {
            Optional<String> why = HostSession.unsupported(step.command());
            if (why.isPresent()) {
                String note = "line " + step.line() + ": " + why.get() + "; compared up to there";
                return compared == 0 ? FileDiff.notComparable(scenario.file(), step.line(), note)
                        : FileDiff.agree(scenario.file(), compared, note);
            }
            Optional<Divergence> d;
            try {
                d = step(step.command(), model, host1, host2);
            } catch (RuntimeException e) {
                return FileDiff.error(scenario.file(), step.line(), text(step), describe(e), compared);
            }
            compared++;
            if (d.isPresent()) {
                return new FileDiff(scenario.file(), FileDiff.Status.DIVERGE, step.line(), text(step), d.get().what(),
                        d.get().model(), d.get().host(), compared, null);
            }
        }
        return FileDiff.agree(scenario.file(), compared, null);
    }

    private Optional<Divergence> step(Command c, ModelStepper model, HostSession host1, HostSession host2) {
        Result m = run(() -> model.execute(c));
        Optional<Mapping> place = target(c).flatMap(t -> Optional.ofNullable(placeIn(model, t)));
        Result h1 = run(() -> host1.execute(c, m.ok() ? place : Optional.empty()));
        Result h2 = run(() -> host2.execute(c, m.ok() ? place : Optional.empty()));
        Optional<Divergence> d = Comparison.results(m, h1, h2);
        if (d.isEmpty() && target(c).isPresent()) {
            d = placement(target(c).get(), place, host1.place(target(c).get()), host2.place(target(c).get()));
        }
        if (d.isEmpty()) {
            List<Snapshot.Place> places = places(model);
            d = Comparison.pages(Snapshot.read(new ModelPages(model), places), Snapshot.read(host1, places),
                    Snapshot.read(host2, places));
        }
        return d;
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

    private static Mapping placeIn(ModelStepper model, Target t) {
        for (Map.Entry<String, Map<String, Mapping>> e : model.liveMappings()) {
            if (e.getKey().equals(t.process())) {
                return e.getValue().get(t.mapping());
            }
        }
        return null;
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
