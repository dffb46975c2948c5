package jhmm.sim.result;

/** One place simulated time went: its word, what it is, and the picoseconds charged to it. */
public record TimeCharge(String word, String description, long ps) {}
