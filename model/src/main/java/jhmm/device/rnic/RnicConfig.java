package jhmm.device.rnic;

/**
 * What one NIC's users run with.
 *
 * @param memlockBytes the RLIMIT_MEMLOCK of the processes that open the NIC: pinned
 *     registrations are charged against it in {@code mm->pinned_vm} (0 refuses them, as can_do_mlock
 *     does; {@link Long#MAX_VALUE} stands for unlimited, as for a process with CAP_IPC_LOCK)
 */
public record RnicConfig(long memlockBytes) {
    /** Linux's default RLIMIT_MEMLOCK since 5.16 (MLOCK_LIMIT, 8 MiB; 64 KiB before). */
    public static final long DEFAULT_MEMLOCK = 8L << 20;

    public RnicConfig {
        if (memlockBytes < 0) {
            throw new IllegalArgumentException("memlock must not be negative");
        }
    }

    public static RnicConfig defaults() {
        return new RnicConfig(DEFAULT_MEMLOCK);
    }
}
