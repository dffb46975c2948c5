package jhmm.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import jhmm.stress.StressConfig;
import jhmm.stress.StressResult;
import jhmm.stress.StressRun;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code jhmm stress}: the model from many threads at once, checked at quiescent points and for leaks at the end. */
@Command(
        name = "stress",
        mixinStandardHelpOptions = true,
        header = "Runs the model from many CPU and device threads at once and checks it stays coherent.",
        description = {
            "Runs CPU threads of one process (loads, stores, mmap, munmap, mprotect, madvise, swap-out, migration)"
                    + " and device threads mirroring it (hmm_range_fault under the interval notifier, snapshots,"
                    + " migration to device memory and back, eviction) on one machine at once. Whenever all threads"
                    + " stop between rounds it runs the coherence checker, and at the end it checks that teardown"
                    + " freed every frame."
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:nothing was found",
            "1:a violation, a leak or a hang was found",
            "2:a bad option",
            "3:an internal error of jhmm (a bug: please report it with the command line)"
        })
final class StressCommand implements Callable<Integer> {
    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @Spec
    private CommandSpec spec;

    @Option(names = "--cpus", paramLabel = "N", defaultValue = "2", description = "CPU threads (default: ${DEFAULT-VALUE}).")
    private int cpus;

    @Option(names = "--devices", paramLabel = "M", defaultValue = "1", description = "Device threads (default: ${DEFAULT-VALUE}).")
    private int devices;

    @Option(names = "--mirror-only", description = "Device threads only mirror (read, snapshot): no migration to device memory, no eviction.")
    private boolean mirrorOnly;

    @Option(names = "--ops", paramLabel = "COUNT", defaultValue = "1000000",
            description = "Operations in all, rounded up to whole rounds (default: ${DEFAULT-VALUE}).")
    private long ops;

    @Option(names = "--seconds", paramLabel = "S", defaultValue = "0",
            description = "Run for this long instead of a number of operations.")
    private long seconds;

    @Option(names = "--seed", paramLabel = "SEED", defaultValue = "1", description = "Seed of every thread's random choices (default: ${DEFAULT-VALUE}).")
    private long seed;

    @Option(names = "--check-every", paramLabel = "OPS", defaultValue = "2000",
            description = "Operations each thread does between two quiescent checks (default: ${DEFAULT-VALUE}).")
    private int checkEvery;

    @Option(names = "--json", description = "Print JSON instead of text.")
    private boolean json;

    @Override
    public Integer call() throws InterruptedException, JsonProcessingException {
        PrintWriter out = spec.commandLine().getOut();
        StressConfig config;
        try {
            config = new StressConfig(cpus, devices, !mirrorOnly, ops, seconds * 1000, seed, checkEvery);
        } catch (IllegalArgumentException e) {
            spec.commandLine().getErr().println("jhmm stress: " + e.getMessage());
            return RunCommand.USAGE;
        }
        StressResult r = new StressRun(config).run();
        if (json) {
            out.println(MAPPER.writeValueAsString(r));
        } else {
            out.printf("operations %d (cpu %d, device %d) in %.1f s, %d quiescent checks, %d violations, %d leaks%n",
                    r.operations(), r.cpuOperations(), r.deviceOperations(), r.elapsedMillis() / 1000.0, r.checks(),
                    r.violationCount(), r.leaks().size());
            r.violations().forEach(v -> out.println("violation: " + v));
            r.leaks().forEach(l -> out.println("leak: " + l));
        }
        return r.clean() ? 0 : 1;
    }
}
