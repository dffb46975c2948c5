package jhmm.mm;

/**
 * One invalidation (struct mmu_notifier_range): which address space, which half-open range,
 * why, whether the listener may sleep, and which device owner caused it (for MIGRATE and
 * EXCLUSIVE, so that the owner can ignore its own invalidations).
 */
public record NotifierRange(Mm mm, long start, long end, NotifierEvent event, boolean blockable, Object owner) {}
