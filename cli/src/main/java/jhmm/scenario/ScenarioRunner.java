package jhmm.scenario;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import jhmm.base.ByteSize;
import jhmm.kernel.Machine;

/**
 * Runs a parsed scenario on a fresh machine. Every step runs even after a failure, so that one
 * run reports everything that is wrong in a file.
 */
public final class ScenarioRunner {
    private final Scenario scenario;
    private final boolean checkAlways;
    private final Transcript transcript;
    private final List<Failure> failures = new ArrayList<>();
    /** Set by a failure that makes the file bad input rather than a failed expectation. */
    private boolean badInput;
    /** With --check-always, each violation is reported once, at the first step that shows it. */
    private final Set<String> reportedViolations = new HashSet<>();

    private ScenarioRunner(Scenario scenario, boolean checkAlways, Transcript transcript) {
        this.scenario = scenario;
        this.checkAlways = checkAlways;
        this.transcript = transcript;
    }

    /**
     * Runs {@code scenario}; with {@code checkAlways} the coherence checker runs after every
     * command. Throws {@link ModelCrash} when the model fails with an exception.
     */
    public static FileReport run(Scenario scenario, boolean checkAlways) {
        return run(scenario, checkAlways, Transcript.SILENT);
    }

    /** As {@link #run(Scenario, boolean)}, writing what the run shows to {@code transcript}. */
    public static FileReport run(Scenario scenario, boolean checkAlways, Transcript transcript) {
        ScenarioRunner runner = new ScenarioRunner(scenario, checkAlways, transcript);
        runner.runAll();
        return new FileReport(scenario.file(), runner.failures,
                runner.badInput ? FileReport.Kind.BAD_INPUT : FileReport.Kind.RAN);
    }

    private void runAll() {
        Machine machine;
        try {
            machine = new Machine(scenario.machine());
        } catch (IllegalArgumentException impossible) {
            badInput(scenario.machineLine(), "machine: " + impossible.getMessage());
            return;
        } catch (RuntimeException bug) {
            throw new ModelCrash(scenario.file(), scenario.machineLine(), bug);
        }
        World world = new World(machine);
        CommandExecutor executor = new CommandExecutor(world, transcript);
        ExpectationChecker checker = new ExpectationChecker(world);
        Shows states = new Shows(world, Transcript.SILENT);
        for (Step step : scenario.steps()) {
            try {
                runStep(step, executor, checker, world);
            } catch (StepFailure f) {
                transcript.ran(scenario.file(), step, () -> f.at(step.line()).text());
                failed(f, step.line());
            } catch (RuntimeException bug) {
                throw new ModelCrash(scenario.file(), step.line(), bug);
            } catch (OutOfMemoryError full) {
                // The machine fitted the heap budget, but what the steps made did not: the run
                // cannot go on, and dropping the machine gives the heap back for the next file.
                badInput(step.line(), FileReport.OUT_OF_HEAP + " (" + full.getMessage() + ") in a JVM of "
                        + ByteSize.format(Runtime.getRuntime().maxMemory()) + " maximum heap: give it more with JHMM_HEAP"
                        + " (e.g. JHMM_HEAP=16g) or make the scenario smaller");
                return;
            }
            transcript.stateAfter(scenario.file(), step, states::everyProcess);
        }
        int mappings = world.devices().mappersLeft();
        if (mappings > 0) {
            int last = scenario.steps().isEmpty() ? scenario.machineLine() : scenario.steps().getLast().line();
            failures.add(new Failure(last, "every dma-map undone by the end ('D dma-unmap')", mappings + " still mapped"));
        }
        long held = executor.pagesStillHeldByGup();
        if (held > 0) {
            int last = scenario.steps().isEmpty() ? scenario.machineLine() : scenario.steps().getLast().line();
            failures.add(new Failure(last, "every gup released by the end ('P unpin')", held + " pages still held"));
        }
    }

    private void failed(StepFailure f, int line) {
        failures.add(f.at(line));
        badInput |= f.isBadInput();
    }

    private void badInput(int line, String why) {
        failures.add(new Failure(line, null, why));
        badInput = true;
    }

    private void runStep(Step step, CommandExecutor executor, ExpectationChecker checker, World world) {
        Result result = executor.execute(step.command());
        transcript.ran(scenario.file(), step, () -> ResultWords.of(result));
        if (checkAlways) {
            List<String> fresh = world.machine().checkInvariants().stream().filter(reportedViolations::add).toList();
            if (!fresh.isEmpty()) {
                failures.add(new Failure(step.line(), "invariants to hold", Invariants.describe(fresh)));
            }
        }
        // A command whose result nothing checks must succeed.
        if (!result.ok() && step.expectations().stream().noneMatch(Expectation::checksResult)) {
            String note = step.command() instanceof Command.OnMapping m ? world.removedNote(m.target()) : "";
            failures.add(new Failure(step.line(), "ok", result.outcome(), note));
        }
        for (Expectation e : step.expectations()) {
            try {
                checker.check(e, result).ifPresent(failures::add);
            } catch (StepFailure f) {
                failed(f, e.line());
            }
        }
    }
}
