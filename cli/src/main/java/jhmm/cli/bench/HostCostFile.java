package jhmm.cli.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import jhmm.perf.Comparison;
import jhmm.perf.Kind;
import jhmm.perf.Operation;

/**
 * The Linux-side costs of {@code jhmm sim} that side-by-side measures on the host, written as a
 * configuration file {@code jhmm sim --config} reads: each key with the figure this host gave
 * and the row it came from. Rows the host could not measure are left out, so the reference's
 * defaults stay for them.
 */
public final class HostCostFile {
    /** Which row of side-by-side stands for which cost of the simulation. */
    private static final Map<Operation, String> KEYS = Map.of(
            Operation.FAULT_IN, "jhmm.sim.cost.linux.cpu-fault",
            Operation.POPULATE_READ, "jhmm.sim.cost.linux.hmm-range-fault-page",
            Operation.PIN, "jhmm.sim.cost.linux.pin-page");

    private HostCostFile() {}

    /** The operations a cost file needs measured. */
    public static List<Operation> operations() {
        return List.copyOf(KEYS.keySet());
    }

    /** Writes the 4 KiB rows of {@code rows} that have a host figure; returns how many keys it wrote. */
    public static int write(Path file, List<Comparison> rows) throws IOException {
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "# Linux-side costs of jhmm sim measured on this host (Linux %s) by"
                + " `jhmm bench --save-costs` on %s:%n# the host's median ns per 4 KiB page of the side-by-side row named"
                + " beside each key. Use with `jhmm sim --config %s`.%n", System.getProperty("os.version"), LocalDate.now(),
                file.getFileName()));
        int n = 0;
        for (Comparison r : rows) {
            String key = KEYS.get(r.op());
            if (key == null || r.kind() != Kind.PAGE_4K || !r.hasHost() || Double.isNaN(r.hostNsPerPage())) {
                continue;
            }
            out.append(String.format(Locale.ROOT, "%s = %dns  # %s %s%n", key, Math.max(1, Math.round(r.hostNsPerPage())), r.op(),
                    r.kind()));
            n++;
        }
        Files.writeString(file, out);
        return n;
    }
}
