package jhmm.mm;

/**
 * dev_pagemap_ops.migrate_to_ram: the driver's answer to a CPU fault on one of its
 * device-private pages. It moves the page (or its folio) back to system RAM, typically with
 * {@link MigrateDevice}, and returns a {@link Fault} code. Called with the mmap lock held for
 * reading and no page-table lock.
 */
@FunctionalInterface
public interface MigrateToRam {
    int migrateToRam(Vma vma, long addr, int devicePfn);
}
