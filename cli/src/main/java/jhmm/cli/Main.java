package jhmm.cli;

import java.io.InputStream;
import java.io.PrintWriter;
import jhmm.base.Printable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The {@code jhmm} command. Exit codes: 0 all passed, 1 an expectation failed, 2 bad input
 * (usage or a file that does not parse), 3 an internal error of jhmm.
 */
@Command(
        name = "jhmm",
        mixinStandardHelpOptions = true,
        versionProvider = Version.class,
        description = "Linux Heterogeneous Memory Management as an executable model.",
        subcommands = {RunCommand.class, DiffCommand.class, BenchCommand.class, CompareCommand.class, StressCommand.class})
public final class Main implements Runnable {
    static final int INTERNAL_ERROR = 3;
    /** The characters of a usage message shown: picocli quotes the offending argument whole. */
    private static final int MAX_MESSAGE = 300;

    @Spec
    private CommandSpec spec;

    /** What {@code jhmm run -} reads. */
    private final InputStream in;

    private Main(InputStream in) {
        this.in = in;
    }

    InputStream in() {
        return in;
    }

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "missing command (try 'jhmm run FILE')");
    }

    public static void main(String[] args) {
        System.exit(execute(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args));
    }

    /** Runs the command line and returns the exit code; nothing escapes as a stack trace. */
    static int execute(PrintWriter out, PrintWriter err, String... args) {
        return execute(System.in, out, err, args);
    }

    /** As {@link #execute(PrintWriter, PrintWriter, String...)}, with {@code in} as standard input. */
    static int execute(InputStream in, PrintWriter out, PrintWriter err, String... args) {
        try {
            CommandLine cli = new CommandLine(new Main(in))
                    .setOut(out)
                    .setErr(err)
                    .setParameterExceptionHandler((e, rest) -> usageError(err, e))
                    .setExecutionExceptionHandler((e, line, parsed) -> internalError(err, e));
            return cli.execute(args);
        } catch (RuntimeException | Error e) {
            return internalError(err, e);
        } finally {
            out.flush();
            err.flush();
        }
    }

    /** One line, not picocli's message followed by the whole usage text. */
    private static int usageError(PrintWriter err, ParameterException e) {
        String command = e.getCommandLine().getCommandSpec().qualifiedName();
        err.println("jhmm: " + Printable.of(e.getMessage(), MAX_MESSAGE) + " (see '" + command + " --help')");
        return RunCommand.USAGE;
    }

    private static int internalError(PrintWriter err, Throwable e) {
        err.println("jhmm: internal error: " + (e.getMessage() == null ? e.getClass().getName() : e.getMessage()));
        return INTERNAL_ERROR;
    }
}
