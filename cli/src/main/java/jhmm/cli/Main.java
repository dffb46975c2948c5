package jhmm.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import jhmm.base.ByteSize;
import jhmm.base.PageSize;
import jhmm.base.Printable;
import jhmm.phys.PageBudget;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
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
        description = {
            "jhmm models how Linux manages memory that processes and devices (GPUs, network cards) share, and runs"
                    + " the model: a simulated machine with RAM, page tables, swap, device memory and IOMMUs, on which"
                    + " processes and devices act as the Linux kernel makes them act.",
            "Write what happens step by step in a scenario file and what must come out, and 'jhmm run' checks it;"
                    + " 'jhmm compare' puts side by side the ways a driver can map a process's memory for a device's"
                    + " DMA; 'jhmm diff' checks the model against the Linux kernel it runs on."
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:all went well (every expectation held, every file agreed, nothing was found)",
            "1:a check failed: an expectation, an agreement with the host, a measured operation, a stress run",
            "2:bad input: a bad option, or a file that cannot be read, parsed or run as written",
            "3:an internal error of jhmm (a bug: please report it with the command line)"
        })
public final class Main implements Runnable {
    static final int INTERNAL_ERROR = 3;
    /** The subcommands, in the order the help lists them. */
    private static final List<Class<?>> COMMANDS = List.of(RunCommand.class, DiffCommand.class, BenchCommand.class,
            CompareCommand.class, SimCommand.class, StressCommand.class, HelpCommand.class);
    /** The characters of a usage message shown: picocli quotes the offending argument whole. */
    private static final int MAX_MESSAGE = 300;

    @Spec
    private CommandSpec spec;

    /** What {@code jhmm run -} reads. */
    private final InputStream in;
    /** Whether long runs say how far they are on stderr: only to a person watching a terminal. */
    private final boolean showProgress;

    private Main(InputStream in, boolean showProgress) {
        this.in = in;
        this.showProgress = showProgress;
    }

    InputStream in() {
        return in;
    }

    /** Where a long run's progress lines go: {@code err} when stderr is a terminal, else nowhere. */
    PrintWriter progress(PrintWriter err) {
        return showProgress ? err : new PrintWriter(Writer.nullWriter());
    }

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "missing command (try 'jhmm run FILE')");
    }

    public static void main(String[] args) {
        System.exit(execute(System.in, stderrIsTerminal(), new PrintWriter(System.out, true),
                new PrintWriter(System.err, true), args));
    }

    /** Runs the command line and returns the exit code; nothing escapes as a stack trace. No progress lines. */
    static int execute(PrintWriter out, PrintWriter err, String... args) {
        return execute(System.in, false, out, err, args);
    }

    /**
     * As {@link #execute(PrintWriter, PrintWriter, String...)}, with {@code in} as standard
     * input, and progress lines on {@code err} when {@code showProgress}.
     */
    static int execute(InputStream in, boolean showProgress, PrintWriter out, PrintWriter err, String... args) {
        try {
            CommandLine cli = new CommandLine(new Main(in, showProgress));
            for (Class<?> command : subcommandsFor(args)) {
                cli.addSubcommand(command);
            }
            cli.getCommandSpec().usageMessage().footerHeading("%nMemory:%n").footer(memoryNote(PageBudget.ofThisJvm()));
            cli.setOut(out)
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

    /**
     * The subcommands a command line needs: only the one it starts with, or all of them when it
     * starts with none (an option, a typo, {@code help}). Picocli reads every option of every
     * subcommand it is given before it parses a word, which was most of a short command's
     * start-up; what the line means is the same either way.
     */
    static List<Class<?>> subcommandsFor(String... args) {
        if (args.length > 0) {
            for (Class<?> command : COMMANDS) {
                if (command != HelpCommand.class && command.getAnnotation(Command.class).name().equals(args[0])) {
                    return List.of(command);
                }
            }
        }
        return COMMANDS;
    }

    /**
     * Whether file descriptor 2 is a terminal, as isatty(2) would say: Linux shows it as a
     * link to a tty or pseudo-terminal device. Elsewhere, or when it cannot be read: no.
     * (System.console() does not tell: it looks at stdin and stdout.)
     */
    static boolean stderrIsTerminal() {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return false;
        }
    }

    /**
     * How large a machine this JVM holds and how to give it more: the help's footer, from the
     * heap this JVM has, so that it is true where it is read.
     */
    static String memoryNote(PageBudget budget) {
        long gibHolds = new PageBudget(1L << 30).pages() * PageSize.PAGE_SIZE;
        return "The model plans " + PageBudget.BYTES_PER_PAGE + " bytes of Java heap for each 4 KiB page it simulates"
                + " (RAM, swap, device memory, files), in half of the JVM's maximum heap: each GiB of heap holds "
                + ByteSize.format(gibHolds) + " of simulated memory. This JVM's maximum heap is "
                + ByteSize.format(budget.maxHeapBytes()) + " (without JHMM_HEAP or -Xmx, a quarter of the host's RAM): it holds a machine below "
                + ByteSize.format(budget.pages() * PageSize.PAGE_SIZE) + ". Give more with JHMM_HEAP (JHMM_HEAP=16g ./jhmm ...)"
                + " or JAVA_OPTS=-Xmx16g; a machine too large is refused up front, with the heap that would hold it.";
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
