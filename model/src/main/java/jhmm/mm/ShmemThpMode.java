package jhmm.mm;

/**
 * /sys/kernel/mm/transparent_hugepage/shmem_enabled: huge folios for shmem (tmpfs and shared
 * anonymous mappings). The model's shmem caches 4 KiB pages only, which is what NEVER and DENY
 * give; the other values are recorded and not modelled.
 */
public enum ShmemThpMode {
    ALWAYS,
    WITHIN_SIZE,
    ADVISE,
    NEVER,
    DENY,
    FORCE
}
