package jhmm.hmm.api2019;

/** struct hmm_update: what a mirror's sync callback is told (5.2 has one event: INVALIDATE). */
public record HmmUpdate(long start, long end, boolean blockable) {}
