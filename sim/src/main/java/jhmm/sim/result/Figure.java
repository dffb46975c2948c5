package jhmm.sim.result;

/**
 * A derived figure: its name, its value as a sentence for the text report ({@code 1.41 GB/s of
 * 128 MiB (40 % busy)}), and as the short cell a comparison table shows ({@code 1.41 GB/s}).
 */
public record Figure(String name, String text, String cell) {}
