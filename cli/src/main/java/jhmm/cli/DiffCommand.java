package jhmm.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import jhmm.diff.DiffFiles;
import jhmm.diff.FileDiff;
import jhmm.diff.HostMachine;
import jhmm.diff.host.HostSession;
import jhmm.scenario.ScenarioFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code jhmm diff [--json] FILE|DIR...}: each scenario on the model and on the host Linux kernel, compared. */
@Command(
        name = "diff",
        mixinStandardHelpOptions = true,
        description = {
            "Runs the CPU-side commands of scenario files on the model and, for real, on the host Linux kernel,",
            "and after every command compares the result, the data read and every page of every mapping.",
            "Exit code: 0 all agree, 1 one diverges, 2 bad input or no host side here."
        })
final class DiffCommand implements Callable<Integer> {
    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @Spec
    private CommandSpec spec;

    @Option(names = "--json", description = "Print a JSON report instead of text.")
    private boolean json;

    @Parameters(arity = "1..*", paramLabel = "FILE|DIR", description = "Scenario files or directories.")
    private List<Path> paths;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Optional<String> unavailable = HostSession.unavailable();
        if (unavailable.isPresent()) {
            err.println("jhmm diff: no host side here: " + unavailable.get());
            return RunCommand.USAGE;
        }
        List<Path> files;
        try {
            files = ScenarioFiles.collect(paths);
        } catch (IOException e) {
            err.println("jhmm: " + e.getMessage());
            return RunCommand.USAGE;
        }
        HostMachine host = HostMachine.read();
        List<FileDiff> diffs = new ArrayList<>();
        if (!json) {
            out.println("host: " + host.describe());
        }
        for (Path file : files) {
            FileDiff d = DiffFiles.diff(file, host);
            diffs.add(d);
            if (!json) {
                DiffText.printFile(out, d);
            }
        }
        if (json) {
            printJson(out, host, diffs);
        } else {
            DiffText.printSummary(out, diffs);
        }
        return exitCode(diffs);
    }

    static int exitCode(List<FileDiff> diffs) {
        if (diffs.stream().anyMatch(d -> d.status() == FileDiff.Status.BAD_INPUT)) {
            return RunCommand.USAGE;
        }
        return diffs.stream().anyMatch(d -> d.status() == FileDiff.Status.DIVERGE || d.status() == FileDiff.Status.ERROR)
                ? 1 : 0;
    }

    private static void printJson(PrintWriter out, HostMachine host, List<FileDiff> diffs) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("host", host.describe());
        ArrayNode files = root.putArray("files");
        for (FileDiff d : diffs) {
            ObjectNode f = files.addObject();
            f.put("name", d.file());
            f.put("status", d.status().name().toLowerCase().replace('_', '-'));
            f.put("commandsCompared", d.steps());
            if (d.line() > 0) {
                f.put("line", d.line());
            }
            putIfSet(f, "command", d.command());
            putIfSet(f, "what", d.what());
            putIfSet(f, "model", d.model());
            putIfSet(f, "host", d.host());
            putIfSet(f, "note", d.note());
        }
        for (FileDiff.Status s : FileDiff.Status.values()) {
            root.put(s.name().toLowerCase().replace('_', '-'), diffs.stream().filter(d -> d.status() == s).count());
        }
        try {
            out.println(MAPPER.writeValueAsString(root));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the JSON report: " + e.getMessage(), e);
        }
    }

    private static void putIfSet(ObjectNode node, String key, String value) {
        if (value != null) {
            node.put(key, value);
        }
    }
}
