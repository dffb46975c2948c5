package jhmm.mm;

import jhmm.phys.ContentStore;

/**
 * A swap device: slots of one page, each with a count of the swap entries that refer to it
 * (swap_map) and the page's contents. No swap cache is modelled: a page swapped in stays in
 * its slot until the last entry is gone. A slot is taken before reclaim unmaps its page and
 * written after, so that no store can land in between; until then it is marked as in the
 * kernel's swap cache (SWAP_HAS_CACHE), and a swap-in waits for it as do_swap_page waits on
 * the swap-cache folio's lock.
 */
public final class SwapSpace {
    private final int[] count;
    /** Slots taken by reclaim whose page is not written yet. */
    private final java.util.BitSet beingWritten = new java.util.BitSet();
    private final ContentStore data;
    private int cursor;
    private int used;

    SwapSpace(long bytes) {
        int slots = (int) (bytes >>> 12);
        count = new int[slots];
        data = new ContentStore(Math.max(slots, 1));
    }

    public int slots() {
        return count.length;
    }

    public int usedSlots() {
        return used;
    }

    ContentStore data() {
        return data;
    }

    /**
     * A free slot with count 1, or -1 when swap is full. Slot 0 is never handed out (0 would be
     * pte_none). The slot is being written until {@link #written}.
     */
    synchronized int alloc() {
        for (int n = 0; n < count.length; n++) {
            int s = cursor;
            cursor = (cursor + 1) % count.length;
            if (s != 0 && count[s] == 0) {
                count[s] = 1;
                used++;
                beingWritten.set(s);
                return s;
            }
        }
        return -1;
    }

    /** Reclaim has written the slot's page: swap-ins may read it. */
    synchronized void written(int slot) {
        beingWritten.clear(slot);
    }

    /** False while reclaim is still writing the slot: a swap-in retries after the writer ran. */
    synchronized boolean readable(int slot) {
        return !beingWritten.get(slot);
    }

    synchronized void dup(int slot) {
        count[slot]++;
    }

    synchronized int count(int slot) {
        return count[slot];
    }

    /** Drops one reference; the last frees the slot and its contents. */
    synchronized void free(int slot) {
        if (--count[slot] == 0) {
            data.clear(slot);
            used--;
        } else if (count[slot] < 0) {
            throw new IllegalStateException("swap slot " + slot + " freed twice");
        }
    }
}
