package jhmm.mm;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The locks of the reverse-map roots: an anon_vma's rwsem (the model's anon_vma is its own
 * root; a fork's copies share it) and a file's i_mmap_rwsem. An rmap walk holds its root's
 * lock for reading from the list of VMAs it takes to the last VMA it visits; a change to the
 * range of a VMA in such a list, or to which VMAs cover a page there (split, merge, expansion,
 * the new VMA of an mremap), holds it for writing, as vma_prepare and take_rmap_locks do. So a
 * walk sees the VMAs as they were before a change or as they are after it, never half-way.
 */
final class RmapLocks implements AutoCloseable {
    private final List<ReentrantReadWriteLock> held;

    private RmapLocks(List<ReentrantReadWriteLock> held) {
        this.held = held;
    }

    /**
     * Takes, for writing, the root locks of {@code vmas} (null entries skipped), each once:
     * every file's i_mmap_rwsem first, then every anon_vma's, the kernel's order.
     */
    static RmapLocks write(Vma... vmas) {
        List<ReentrantReadWriteLock> locks = new ArrayList<>();
        for (Vma v : vmas) {
            if (v != null && v.file != null && !locks.contains(v.file.iMmapRwsem)) {
                locks.add(v.file.iMmapRwsem);
            }
        }
        for (Vma v : vmas) {
            if (v != null && v.anonVma != null && !locks.contains(v.anonVma.rwsem)) {
                locks.add(v.anonVma.rwsem);
            }
        }
        locks.forEach(l -> l.writeLock().lock());
        return new RmapLocks(locks);
    }

    /**
     * Takes {@code lock} for reading. The model allocates, and so may reclaim (an rmap walk),
     * under the PTL where the kernel never does; a reader that queued behind a waiting writer
     * there could close a cycle with a walker waiting for that PTL. So a reader waits only
     * while a writer holds the lock, never for one that waits: writers hold it briefly and
     * wait for nothing else meanwhile but the VMA lists' own monitors.
     */
    static void read(ReentrantReadWriteLock lock) {
        while (!lock.readLock().tryLock()) {
            Thread.yield();
        }
    }

    /** Releases the write locks, in the reverse order. */
    @Override
    public void close() {
        for (int i = held.size() - 1; i >= 0; i--) {
            held.get(i).writeLock().unlock();
        }
    }
}
