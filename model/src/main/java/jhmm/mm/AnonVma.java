package jhmm.mm;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The reverse-map root of anonymous memory: every VMA that may map pages created in its
 * lineage (the VMA they were faulted in, its pieces after a split, its copies in forked
 * children). A page records the anon_vma's id and its page index; rmap walks these VMAs.
 */
public final class AnonVma {
    final int id;
    private final List<Vma> vmas = new ArrayList<>();
    /** anon_vma->root->rwsem: see {@link RmapLocks}. The list itself is guarded by this object's monitor. */
    final ReentrantReadWriteLock rwsem = new ReentrantReadWriteLock();

    AnonVma(int id) {
        this.id = id;
    }

    synchronized void add(Vma v) {
        vmas.add(v);
    }

    synchronized void remove(Vma v) {
        vmas.remove(v);
    }

    synchronized Vma[] snapshot() {
        return vmas.toArray(new Vma[0]);
    }
}
