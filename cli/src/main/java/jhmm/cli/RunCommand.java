package jhmm.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import jhmm.scenario.FileReport;
import jhmm.scenario.ScenarioFiles;
import jhmm.scenario.Transcript;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code jhmm run [--json] [--check-always] [--trace] [--jobs N] FILE|DIR...}. */
@Command(
        name = "run",
        mixinStandardHelpOptions = true,
        header = "Runs scenario files and checks their expectations.",
        description = {
            "A scenario file (*.scn) sets up a machine, processes and devices, says what they do step by step and"
                    + " what must come out (docs/scenario-language.md). A directory stands for every *.scn below it;"
                    + " - reads one scenario from standard input. Every file runs whatever another did, and the worst"
                    + " outcome decides the exit code."
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:every file passed",
            "1:some expectation failed",
            "2:bad input: a file that cannot be read, parsed or run as written, a missing path, a bad option",
            "3:an internal error of jhmm (a bug: please report it with the command line)"
        })
final class RunCommand implements Callable<Integer> {
    static final int USAGE = 2;

    /** The name standard input has in messages. */
    private static final String STDIN_NAME = "<stdin>";

    @Spec
    private CommandSpec spec;

    @ParentCommand
    private Main main;

    @Option(names = "--json", description = "Print a JSON report instead of text.")
    private boolean json;

    @Option(names = "--check-always", description = "Run the coherence checker after every command.")
    private boolean checkAlways;

    @Option(names = "--trace", description = "Print each command with its result as an expect line writes it (ok or the errno,"
            + " counters, data as patterns, protection codes): FILE:LINE: COMMAND -> RESULT. With --json, on stderr.")
    private boolean trace;

    @Option(names = "--report", paramLabel = "FILE.html",
            description = "Also write one self-contained page that walks through each scenario step by step: every command,"
                    + " its result and the page states after it, the failures marked.")
    private Path report;

    @Option(names = "--junit", paramLabel = "FILE.xml",
            description = "Also write the run as JUnit XML for CI systems: a test case a file, failed expectations as failures,"
                    + " bad input and internal errors as errors.")
    private Path junit;

    @Option(names = "--jobs", paramLabel = "N", description = "Files run at once, each on a machine of its own (default: one per CPU"
            + " the JVM has). Whatever N, the files print in order, each whole.")
    private Integer jobs;

    @Parameters(arity = "1..*", paramLabel = "FILE|DIR", description = "Scenario files or directories; - reads a scenario from standard input.")
    private List<Path> paths;

    /** One file's run: its report, what it printed as it ran, the steps a report keeps, its seconds. */
    private record FileRun(FileReport report, String shown, StepLog log, double seconds) {}

    /**
     * Files run under its read lock, at once; a file that ran out of heap beside others runs
     * again under its write lock, alone, so running at once never fails a file that fits the
     * JVM by itself.
     */
    private final ReentrantReadWriteLock heap = new ReentrantReadWriteLock();
    private boolean together;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        List<Path> files;
        try {
            files = ScenarioFiles.collect(paths);
        } catch (IOException e) {
            spec.commandLine().getErr().println("jhmm: " + e.getMessage());
            return USAGE;
        }
        int n = jobs == null ? Runtime.getRuntime().availableProcessors() : jobs;
        if (n < 1) {
            throw new ParameterException(spec.commandLine(), "--jobs must be at least 1, not " + n);
        }
        // The JSON document stays alone on stdout: what the run shows goes to stderr then.
        PrintWriter shown = json ? spec.commandLine().getErr() : out;
        StepLog log = new StepLog(Transcript.SILENT, report != null);
        List<FileReport> reports = new ArrayList<>();
        double[] seconds = new double[files.size()];
        together = Math.min(n, files.size()) > 1;
        for (FileRun run : InOrder.map(files, Math.min(n, files.size()), this::runFile)) {
            shown.print(run.shown());
            shown.flush();
            log.addAll(run.log());
            seconds[reports.size()] = run.seconds();
            reports.add(run.report());
            if (!json) {
                TextReport.printFile(out, run.report());
            }
        }
        if (json) {
            JsonReport.print(out, reports);
        } else {
            TextReport.printSummary(out, reports);
        }
        try {
            if (report != null) {
                Files.writeString(report, RunHtml.of(reports, log));
            }
            if (junit != null) {
                Files.writeString(junit, JUnitXml.of(reports, seconds));
            }
        } catch (IOException e) {
            spec.commandLine().getErr().println("jhmm: cannot write a report: " + e.getMessage());
            return USAGE;
        }
        return exitCode(reports);
    }

    /** Runs one file on a machine of its own, keeping what it shows until the files before it have printed. */
    private FileRun runFile(Path file) {
        FileRun run = locked(heap.readLock(), file);
        boolean again = together && run.report().ranOutOfHeap() && !file.toString().equals(ScenarioFiles.STANDARD_INPUT);
        return again ? locked(heap.writeLock(), file) : run; // standard input cannot be read twice
    }

    private FileRun locked(Lock lock, Path file) {
        lock.lock();
        try {
            return runOnce(file);
        } finally {
            lock.unlock();
        }
    }

    private FileRun runOnce(Path file) {
        StringWriter shown = new StringWriter();
        StepLog log = new StepLog(Transcript.printing(new PrintWriter(shown), trace), report != null);
        long started = System.nanoTime();
        FileReport result = file.toString().equals(ScenarioFiles.STANDARD_INPUT)
                ? ScenarioFiles.run(STDIN_NAME, main.in(), checkAlways, log)
                : ScenarioFiles.run(file, checkAlways, log);
        return new FileRun(result, shown.toString(), log, (System.nanoTime() - started) / 1e9);
    }

    /** The worst outcome of any file: an internal error (3), bad input (2), a failed expectation (1). */
    static int exitCode(List<FileReport> reports) {
        if (reports.stream().anyMatch(FileReport::internalError)) {
            return Main.INTERNAL_ERROR;
        }
        if (reports.stream().anyMatch(FileReport::badInput)) {
            return USAGE;
        }
        return reports.stream().allMatch(FileReport::passed) ? 0 : 1;
    }
}
