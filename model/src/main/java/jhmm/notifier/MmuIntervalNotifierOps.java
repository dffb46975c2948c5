package jhmm.notifier;

import jhmm.mm.NotifierRange;

/** The callback of an interval notifier (struct mmu_interval_notifier_ops). */
@FunctionalInterface
public interface MmuIntervalNotifierOps {
    /**
     * An invalidation intersects the subscription's interval. The driver takes its update lock,
     * calls {@link MmuIntervalNotifier#setSeq} with {@code curSeq}, removes its mappings of the
     * range and returns true; it returns false only for a non-blockable range when it would
     * have to sleep.
     */
    boolean invalidate(MmuIntervalNotifier sub, NotifierRange range, long curSeq);
}
