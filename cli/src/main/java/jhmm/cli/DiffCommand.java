package jhmm.cli;

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
import jhmm.diff.RandomDiff;
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
        header = "Runs scenarios on the model and on this host's Linux kernel and compares them.",
        description = {
            "Runs the CPU-side commands of scenario files (mmap, munmap, mprotect, madvise, mremap, reads, writes,"
                    + " fork, exit) on the model and, for real, on the host Linux kernel, and after every command"
                    + " compares the result, the data read and every page of every mapping. With --random N it makes"
                    + " up N scenarios and shrinks each one that diverges to a small file (docs/diff.md)."
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:every file agrees",
            "1:a file or a random case diverges",
            "2:bad input, or no host side here (not Linux x86_64)",
            "3:an internal error of jhmm (a bug: please report it with the command line)"
        })
final class DiffCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Option(names = "--json", description = "Print a JSON report instead of text.")
    private boolean json;

    @Parameters(arity = "0..*", paramLabel = "FILE|DIR", description = "Scenario files or directories.")
    private List<Path> paths = List.of();

    @Option(names = "--random", paramLabel = "N", description = "Also run N random scenarios (seeds S, S+1, ...).")
    private int random;

    @Option(names = "--seed", paramLabel = "S", description = "The first random seed (default: ${DEFAULT-VALUE}).")
    private long seed = 1;

    @Option(names = "--out", paramLabel = "DIR", description = "Where shrunk diverging random cases go (default: ${DEFAULT-VALUE}).")
    private Path outDir = Path.of("diff-cases");

    @Option(names = "--no-shrink", description = "Write diverging random cases as generated, without shrinking them.")
    private boolean noShrink;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Optional<String> unavailable = HostSession.unavailable();
        if (unavailable.isPresent()) {
            err.println("jhmm diff: no host side here: " + unavailable.get());
            return RunCommand.USAGE;
        }
        if (paths.isEmpty() && random <= 0) {
            err.println("jhmm: give scenario files or directories, or --random N (see 'jhmm diff --help')");
            return RunCommand.USAGE;
        }
        if (random < 0) {
            err.println("jhmm: --random must be at least 0, got " + random);
            return RunCommand.USAGE;
        }
        List<Path> files;
        try {
            files = paths.isEmpty() ? List.of() : ScenarioFiles.collect(paths);
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
        RandomDiff.Summary summary = null;
        if (random > 0) {
            try {
                summary = RandomDiff.run(random, seed, outDir, !noShrink, host, c -> {
                    if (!json) {
                        DiffText.printCase(out, c);
                    }
                });
            } catch (IOException e) {
                err.println("jhmm: cannot write the diverging cases: " + e.getMessage());
                return RunCommand.USAGE;
            }
        }
        if (json) {
            printJson(out, host, diffs, summary);
        } else {
            if (!files.isEmpty()) {
                DiffText.printSummary(out, diffs);
            }
            if (summary != null) {
                DiffText.printRandomSummary(out, summary, seed);
            }
        }
        boolean randomDiverged = summary != null && (!summary.diverged().isEmpty() || !summary.errors().isEmpty());
        return Math.max(exitCode(diffs), randomDiverged ? 1 : 0);
    }

    static int exitCode(List<FileDiff> diffs) {
        if (diffs.stream().anyMatch(d -> d.status() == FileDiff.Status.BAD_INPUT)) {
            return RunCommand.USAGE;
        }
        return diffs.stream().anyMatch(d -> d.status() == FileDiff.Status.DIVERGE || d.status() == FileDiff.Status.ERROR)
                ? 1 : 0;
    }

    private static void printJson(PrintWriter out, HostMachine host, List<FileDiff> diffs, RandomDiff.Summary summary) {
        ObjectNode root = JsonReport.object();
        root.put("host", host.describe());
        ArrayNode files = root.putArray("files");
        for (FileDiff d : diffs) {
            fileJson(files.addObject(), d);
        }
        for (FileDiff.Status s : FileDiff.Status.values()) {
            root.put(s.name().toLowerCase().replace('_', '-'), diffs.stream().filter(d -> d.status() == s).count());
        }
        if (summary != null) {
            ObjectNode r = root.putObject("random");
            r.put("cases", summary.cases());
            r.put("agreed", summary.agreed());
            r.put("agreementPercent", summary.agreementPercent());
            ArrayNode cases = r.putArray("diverged");
            for (RandomDiff.Case c : summary.diverged()) {
                ObjectNode cn = cases.addObject();
                cn.put("seed", c.seed());
                cn.put("file", c.written().toString());
                fileJson(cn.putObject("divergence"), c.diff());
            }
            ArrayNode errors = r.putArray("errors");
            summary.errors().forEach(e -> fileJson(errors.addObject(), e));
            ObjectNode kinds = r.putObject("divergencesByCommand");
            summary.byCommand().forEach(kinds::put);
        }
        JsonReport.write(out, root);
    }

    private static void fileJson(ObjectNode f, FileDiff d) {
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

    private static void putIfSet(ObjectNode node, String key, String value) {
        if (value != null) {
            node.put(key, value);
        }
    }
}
