package jhmm.stress;

/**
 * What a stress run does: {@code cpus} CPU threads of one process and {@code devices} device
 * threads mirroring it (and, with {@code deviceMigration}, migrating its pages to device memory
 * and back and evicting them), {@code operations} random operations in all (or as many as fit
 * in {@code durationMillis} when that is positive), the coherence checker run each time every
 * thread has done {@code checkEvery} more, the random choices seeded from {@code seed}.
 */
public record StressConfig(int cpus, int devices, boolean deviceMigration, long operations, long durationMillis, long seed,
        int checkEvery) {
    public StressConfig {
        if (cpus < 1 || devices < 0 || operations < 1 || durationMillis < 0 || checkEvery < 1) {
            throw new IllegalArgumentException("--cpus and --ops, --check-every must be at least 1, --devices and --seconds at least 0");
        }
    }

    int threads() {
        return cpus + devices;
    }
}
