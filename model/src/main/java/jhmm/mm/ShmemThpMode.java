package jhmm.mm;

/**
 * /sys/kernel/mm/transparent_hugepage/shmem_enabled: huge folios for shmem (tmpfs and shared
 * anonymous mappings). The model's shmem faults cache 4 KiB pages, which is what NEVER and DENY
 * give; MADV_COLLAPSE makes huge ones under every value but DENY ({@link ShmemThp}). The other
 * values are recorded and not modelled for faults.
 */
public enum ShmemThpMode {
    ALWAYS,
    WITHIN_SIZE,
    ADVISE,
    NEVER,
    DENY,
    FORCE
}
