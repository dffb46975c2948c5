package jhmm.scenario;

/** Where a named mapping sits in its process now: it moves with mremap. */
public record Mapping(long start, long length) {}
