package jhmm.mm;

/** Why a range of page-table entries is being invalidated (enum mmu_notifier_event). */
public enum NotifierEvent {
    /** munmap(), or mremap() moving the range away. */
    UNMAP,
    /** Entries cleared for any other reason: COW, fork, madvise, reclaim, migration, THP split. */
    CLEAR,
    /** mprotect(): protection changes for the whole range as the VMA says. */
    PROTECTION_VMA,
    /** Per-page protection changes; the listener must look at the CPU entries. */
    PROTECTION_PAGE,
    SOFT_DIRTY,
    /** Address-space teardown at exit. */
    RELEASE,
    /** migrate_vma collection of pages towards or from device memory. */
    MIGRATE,
    /** Conversion to a device-exclusive entry. */
    EXCLUSIVE
}
