package jhmm.cli.bench;

import java.util.List;
import java.util.Optional;

/** The registry of {@code jhmm bench} entries, in the order {@code --list} shows them. */
public final class BenchEntries {
    /** What {@code jhmm bench} runs without an entry. */
    public static final String DEFAULT = SideBySideEntry.NAME;
    private static final List<BenchEntry> ALL = List.of(new SideBySideEntry(), new ScalingEntry(), new FootprintEntry(), new ThreadsEntry(), new ThpMigrationEntry(),
            SimEntry.fits(), SimEntry.oversubscribed());

    private BenchEntries() {}

    public static List<BenchEntry> all() {
        return ALL;
    }

    public static Optional<BenchEntry> find(String name) {
        return ALL.stream().filter(e -> e.name().equals(name)).findFirst();
    }
}
