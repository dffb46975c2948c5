package jhmm.mm;

import java.util.concurrent.locks.ReentrantLock;
import jhmm.base.PageSize;

/**
 * The lock an rmap walk holds while it visits a folio's mappings (page_vma_mapped_walk): taken
 * for the first mapping in a page table and kept across the next ones in the same table, then
 * swapped for the next table's, so that a THP's 512 PTEs cost one lock hold, not 512.
 * {@link #close} lets go of the last one.
 */
final class WalkLock implements AutoCloseable {
    private ReentrantLock held;
    private Mm mm;
    private long window;

    /** Holds the lock of the entry that maps {@code addr} in {@code mm}: a PUD leaf's page_table_lock, else its PMD or PTE table's. */
    void at(Mm mm, long addr, boolean pudLeaf) {
        long w = addr & (pudLeaf ? PageSize.PUD_MASK : PageSize.PMD_MASK);
        if (held != null && mm == this.mm && w == window) {
            return;
        }
        close();
        held = pudLeaf ? mm.pudLock() : mm.lockEntry(addr);
        this.mm = mm;
        window = w;
    }

    /** Lets the walk's lock go and forgets its table: the next visit looks the lock up again. */
    @Override
    public void close() {
        if (held != null) {
            held.unlock();
            held = null;
        }
    }
}
