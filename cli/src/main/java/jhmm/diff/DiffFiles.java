package jhmm.diff;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import jhmm.kernel.MachineConfig;
import jhmm.scenario.Scenario;
import jhmm.scenario.ScenarioError;
import jhmm.scenario.ScenarioParser;

/** Reads, parses and diffs one scenario, from a file or from text, on a machine set as the host is. */
public final class DiffFiles {
    private DiffFiles() {}

    /** Diffs the scenario in {@code file}; a file that cannot be read or parsed is bad input. */
    public static FileDiff diff(Path file, HostMachine host) {
        String text;
        try {
            text = Files.readString(file);
        } catch (CharacterCodingException e) {
            return FileDiff.badInput(file.toString(), 0, "cannot read: the file is not UTF-8 text");
        } catch (IOException e) {
            return FileDiff.badInput(file.toString(), 0, "cannot read: " + e.getMessage());
        }
        return diff(file.toString(), text, host);
    }

    /** Diffs scenario {@code text}, named {@code name} in reports. */
    public static FileDiff diff(String name, String text, HostMachine host) {
        Scenario scenario;
        try {
            scenario = ScenarioParser.parse(name, text);
        } catch (ScenarioError e) {
            return FileDiff.badInput(name, e.line(), e.reason());
        }
        String conflict = host.conflict(scenario.machine());
        if (conflict != null) {
            return FileDiff.notComparable(name, scenario.machineLine(), conflict);
        }
        MachineConfig config = host.apply(scenario.machine());
        Scenario onHost = new Scenario(scenario.file(), config, scenario.machineLine(), scenario.steps());
        return DiffRunner.run(onHost, List.of(text.split("\n", -1)));
    }
}
