package jhmm.sim.rnic;

import jhmm.mm.MmStats;

/**
 * The machine's counters a NIC simulation charges for, read at one moment: CPU faults, swap,
 * page copies, migrations. {@link #since} gives what happened after an earlier reading.
 */
public record LinuxCounts(long faults, long swapIns, long swapOuts, long copies, long migrated, long blocked) {

    /** What happened between two readings. */
    public record Delta(long faults, long swapIns, long swapOuts, long copies, long migrated, long blocked) {}

    public static LinuxCounts of(MmStats s) {
        return new LinuxCounts(s.pageFaults.get(), s.pswpin.get(), s.pswpout.get(), s.cowCopies.get() + s.forkPinnedCopies.get(),
                s.pgmigrateSuccess.get(), s.migrateBlockedByRefs.get());
    }

    public Delta since(LinuxCounts before) {
        return new Delta(faults - before.faults, swapIns - before.swapIns, swapOuts - before.swapOuts, copies - before.copies,
                migrated - before.migrated, blocked - before.blocked);
    }
}
