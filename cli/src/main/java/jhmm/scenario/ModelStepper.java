package jhmm.scenario;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import jhmm.kernel.Machine;
import jhmm.kernel.UserProcess;

/**
 * A scenario's commands carried out on the model one at a time, by a caller that looks at the
 * model between them (as {@code jhmm diff} does). Expectations are not checked here.
 */
public final class ModelStepper {
    private final World world;
    private final CommandExecutor executor;

    /** A fresh machine as the scenario's {@code machine} line sets it; IllegalArgumentException when it cannot be built. */
    public ModelStepper(Scenario scenario) {
        this.world = new World(new Machine(scenario.machine()));
        this.executor = new CommandExecutor(world, Transcript.SILENT);
    }

    /**
     * Carries out {@code command}. A command that names something its earlier failure left
     * undefined throws {@link IllegalStateException} with the reason.
     */
    public Result execute(Command command) {
        try {
            return executor.execute(command);
        } catch (StepFailure f) {
            throw new IllegalStateException(f.getMessage(), f);
        }
    }

    /** The live process named {@code name}, or null when it was never made or has exited. */
    public UserProcess process(String name) {
        UserProcess p = world.processes().get(name);
        return p == null || p.exited() ? null : p;
    }

    /** Where mapping {@code t} is now, or empty when its process or the mapping is gone. */
    public Optional<Mapping> place(Target t) {
        return process(t.process()) == null ? Optional.empty()
                : Optional.ofNullable(world.liveMappingsOf(t.process()).get(t.mapping()));
    }

    /** Live processes in the order they were made, each with its mappings sorted by name. */
    public List<Map.Entry<String, Map<String, Mapping>>> liveMappings() {
        List<Map.Entry<String, Map<String, Mapping>>> out = new ArrayList<>();
        world.processes().forEach((name, p) -> {
            if (!p.exited()) {
                out.add(Map.entry(name, new TreeMap<>(world.liveMappingsOf(name))));
            }
        });
        return out;
    }

    public Machine machine() {
        return world.machine();
    }
}
