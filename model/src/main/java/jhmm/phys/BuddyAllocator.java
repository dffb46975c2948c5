package jhmm.phys;

import java.util.concurrent.locks.ReentrantLock;

/**
 * The buddy allocator of one zone: free blocks of 2^order frames, orders 0..{@value #MAX_ORDER},
 * each naturally aligned; freeing merges a block with its free buddy.
 *
 * <p>Free lists are threaded through the frames themselves, as the kernel threads them through
 * struct page: a free block's first frame keeps its order in its flag word and its prev/next
 * links in the word a folio head keeps its mapping and index in ({@link PageFrames#mapIndex}).
 * One lock (the zone lock) serialises allocation and freeing.
 */
public final class BuddyAllocator {
    public static final int MAX_ORDER = 10;
    private static final int NONE = -1;

    private final PageFrames frames;
    private final int[] freeHead = new int[MAX_ORDER + 1];
    private final ReentrantLock zoneLock = new ReentrantLock();
    private long freePages;

    private final int ramFrames;

    BuddyAllocator(PageFrames frames) {
        this.frames = frames;
        this.ramFrames = frames.nrFrames();
        java.util.Arrays.fill(freeHead, NONE);
    }

    /** Adds a range of frames that were never handed out (at boot). */
    void addFreeRange(int start, int end) {
        int pfn = start;
        while (pfn < end) {
            int o = MAX_ORDER;
            while (o > 0 && ((pfn & ((1 << o) - 1)) != 0 || pfn + (1 << o) > end)) {
                o--;
            }
            free(pfn, o);
            pfn += 1 << o;
        }
    }

    public long freePages() {
        return freePages;
    }

    /** Allocates 2^order frames; returns the first PFN or -1 when no block is large enough. */
    int alloc(int order) {
        zoneLock.lock();
        try {
            int o = order;
            while (o <= MAX_ORDER && freeHead[o] == NONE) {
                o++;
            }
            if (o > MAX_ORDER) {
                return -1;
            }
            int pfn = freeHead[o];
            unlink(pfn, o);
            while (o > order) {
                o--;
                push(pfn + (1 << o), o);
            }
            int n = 1 << order;
            for (int i = 0; i < n; i++) {
                frames.setFlagWord(pfn + i, 0);
            }
            freePages -= n;
            return pfn;
        } finally {
            zoneLock.unlock();
        }
    }

    /**
     * Allocates the free 2^order block starting at {@code pfn} (compaction's free scanner
     * takes specific frames); -1 when that block is not entirely free.
     */
    int allocAt(int pfn, int order) {
        zoneLock.lock();
        try {
            for (int o = order; o <= MAX_ORDER; o++) {
                int h = pfn & ~((1 << o) - 1);
                if (h + (1 << o) <= ramFrames && (frames.flagWord(h) & PageFlags.BUDDY) != 0 && frames.order(h) == o) {
                    unlink(h, o);
                    while (o > order) {
                        o--;
                        int upper = h + (1 << o);
                        if (pfn >= upper) {
                            push(h, o);
                            h = upper;
                        } else {
                            push(upper, o);
                        }
                    }
                    int n = 1 << order;
                    for (int i = 0; i < n; i++) {
                        frames.setFlagWord(h + i, 0);
                    }
                    freePages -= n;
                    return h;
                }
            }
            return -1;
        } finally {
            zoneLock.unlock();
        }
    }

    /** Returns 2^order frames starting at {@code pfn}, merging with free buddies. */
    void free(int pfn, int order) {
        zoneLock.lock();
        try {
            int n = 1 << order;
            for (int i = 0; i < n; i++) {
                frames.setFlagWord(pfn + i, PageFlags.FREE); // order 0 until push marks the block's first frame
            }
            freePages += n;
            while (order < MAX_ORDER) {
                int buddy = pfn ^ (1 << order);
                if (buddy + (1 << order) > ramFrames
                        || (frames.flagWord(buddy) & PageFlags.BUDDY) == 0
                        || frames.order(buddy) != order) {
                    break;
                }
                unlink(buddy, order);
                frames.setFlagWord(buddy, PageFlags.FREE);
                pfn = Math.min(pfn, buddy);
                order++;
            }
            push(pfn, order);
        } finally {
            zoneLock.unlock();
        }
    }

    private void push(int pfn, int order) {
        frames.setFlagWord(pfn, PageFrames.withOrder(PageFlags.FREE | PageFlags.BUDDY, order));
        int next = freeHead[order];
        frames.setMapIndex(pfn, link(NONE, next));
        if (next != NONE) {
            frames.setMapIndex(next, link(pfn, nextOf(next)));
        }
        freeHead[order] = pfn;
    }

    private void unlink(int pfn, int order) {
        int prev = prevOf(pfn);
        int next = nextOf(pfn);
        if (prev == NONE) {
            freeHead[order] = next;
        } else {
            frames.setMapIndex(prev, link(prevOf(prev), next));
        }
        if (next != NONE) {
            frames.setMapIndex(next, link(prev, nextOf(next)));
        }
        frames.setFlagWord(pfn, frames.flags(pfn) & ~PageFlags.BUDDY); // and order 0
        frames.setMapIndex(pfn, 0);
    }

    private static long link(int prev, int next) {
        return ((long) prev << 32) | (next & 0xFFFFFFFFL);
    }

    private int prevOf(int pfn) {
        return (int) (frames.mapIndex(pfn) >> 32);
    }

    private int nextOf(int pfn) {
        return (int) frames.mapIndex(pfn);
    }
}
