package jhmm.kernel;

import java.util.List;
import jhmm.base.Pattern;
import jhmm.mm.FileInode;

/**
 * One simulated machine: physical memory, swap, the page cache's files and the processes.
 * Scenario files, tests and benchmarks start here.
 */
public final class Machine {
    public Machine(MachineConfig config) {
        throw new UnsupportedOperationException("being written");
    }

    public MachineConfig config() {
        throw new UnsupportedOperationException("being written");
    }

    /** A new process with an empty address space. */
    public Process createProcess(String name) {
        throw new UnsupportedOperationException("being written");
    }

    /** A regular file of {@code size} bytes whose contents are {@code initial} (indexed from the file start). */
    public FileInode createFile(String name, long size, Pattern initial) {
        throw new UnsupportedOperationException("being written");
    }

    /** Migrates every page mapped in the range, as compaction or NUMA balancing would: 0, or -EAGAIN when some page could not move, -EFAULT for an unmapped range. */
    public int migrate(Process p, long addr, long len) {
        throw new UnsupportedOperationException("being written");
    }

    /** Reclaims the anonymous and file pages mapped in the range to swap / the file: 0, or -EAGAIN when some page could not be reclaimed. */
    public int swapout(Process p, long addr, long len) {
        throw new UnsupportedOperationException("being written");
    }

    /** split_huge_page of the folio mapped at {@code addr}: 0, -EINVAL (no large folio there), -EAGAIN (extra references). */
    public int splitThp(Process p, long addr) {
        throw new UnsupportedOperationException("being written");
    }

    /** Full compaction of RAM: returns the pages moved; pages that could not move are counted in {@link #stats()}. */
    public long compact() {
        throw new UnsupportedOperationException("being written");
    }

    /** Coherence check over the whole machine: an empty list when everything adds up. */
    public List<String> checkInvariants() {
        throw new UnsupportedOperationException("being written");
    }
}
