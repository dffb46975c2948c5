package jhmm.diff;

/** What differs after one command, with each side's view of it, in words. */
record Divergence(String what, String model, String host) {}
