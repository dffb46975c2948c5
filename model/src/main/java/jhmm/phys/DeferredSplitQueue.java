package jhmm.phys;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The deferred split queue: large anonymous folios left partly mapped wait here, still large,
 * until memory pressure (the deferred-split shrinker) or an explicit split breaks them up and
 * frees their unmapped pages. A queued folio's head carries {@link PageFlags#PARTIALLY_MAPPED};
 * freeing or splitting the folio takes it off, as the kernel does when a folio stops being large.
 */
public final class DeferredSplitQueue {
    private final PageFrames frames;
    private final Set<Integer> heads = new LinkedHashSet<>();

    DeferredSplitQueue(PageFrames frames) {
        this.frames = frames;
    }

    /** Queues the folio headed by {@code head}; false when it was queued already. */
    public synchronized boolean add(int head) {
        if (frames.test(head, PageFlags.PARTIALLY_MAPPED)) {
            return false;
        }
        frames.set(head, PageFlags.PARTIALLY_MAPPED);
        heads.add(head);
        return true;
    }

    /** Takes the folio off the queue, if it is on it (the flag is read first: freeing stays lock-free). */
    public void remove(int head) {
        if (!frames.test(head, PageFlags.PARTIALLY_MAPPED)) {
            return;
        }
        synchronized (this) {
            frames.clear(head, PageFlags.PARTIALLY_MAPPED);
            heads.remove(head);
        }
    }

    public synchronized boolean contains(int head) {
        return heads.contains(head);
    }

    /** The queued heads, oldest first. */
    public synchronized List<Integer> snapshot() {
        return new ArrayList<>(heads);
    }
}
