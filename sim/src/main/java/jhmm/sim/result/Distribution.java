package jhmm.sim.result;

/**
 * How many times each value of something occurred (fault entries per batch, an operation's
 * time in powers of two), for a bar chart: {@code counts[i]} times the value {@code labels[i]}.
 */
public record Distribution(String title, String note, String yLabel, String[] labels, long[] counts) {}
