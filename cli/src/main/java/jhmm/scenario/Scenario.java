package jhmm.scenario;

import java.util.List;
import jhmm.kernel.MachineConfig;

/** A parsed scenario file: the machine it runs on ({@code machineLine} 0 when defaulted) and its steps. */
public record Scenario(String file, MachineConfig machine, int machineLine, List<Step> steps) {
    public Scenario {
        steps = List.copyOf(steps);
    }
}
