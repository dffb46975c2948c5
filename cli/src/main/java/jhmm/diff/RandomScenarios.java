package jhmm.diff;

import java.util.ArrayList;
import java.util.List;
import jhmm.scenario.SizeWords;

/**
 * Random scenario files for {@code jhmm diff --random}: a machine with room to spare, up to two
 * files, process {@code p} with one to three mappings, then CPU-side commands the host kernel can
 * run too. No {@code expect} or {@code check} lines: jhmm diff compares the two sides itself.
 * The same seed always gives the same lines, so a diverging case can be replayed from its seed.
 */
public final class RandomScenarios {
    /** The model never runs short: 4 processes of 4 mappings of at most 8M, and the files, fit easily. */
    static final String MACHINE = "machine ram=256M";

    /** How many commands follow the set-up lines. */
    public record Bounds(int minCommands, int maxCommands) {
        public static final Bounds DEFAULT = new Bounds(5, 50);

        public Bounds {
            if (minCommands < 0 || maxCommands < minCommands) {
                throw new IllegalArgumentException("need 0 <= minCommands <= maxCommands, got " + minCommands + ".."
                        + maxCommands);
            }
        }
    }

    private RandomScenarios() {}

    public static List<String> generate(long seed) {
        return generate(seed, Bounds.DEFAULT);
    }

    public static List<String> generate(long seed, Bounds bounds) {
        Dice dice = new Dice(seed);
        Actors actors = new Actors();
        MmapLines mmaps = new MmapLines(dice, actors);
        List<String> lines = new ArrayList<>();
        lines.add(MACHINE);
        int files = dice.between(0, 2);
        for (int i = 0; i < files; i++) {
            lines.add(file(dice, actors));
        }
        lines.add("process " + Actors.PARENT);
        int mappings = dice.between(1, 3);
        for (int i = 0; i < mappings; i++) {
            lines.addAll(mmaps.mmap(Actors.PARENT));
        }
        CommandLines commands = new CommandLines(dice, actors, mmaps);
        int count = dice.between(bounds.minCommands(), bounds.maxCommands());
        for (int i = 0; i < count; i++) {
            lines.addAll(commands.next());
        }
        return List.copyOf(lines);
    }

    private static String file(Dice dice, Actors actors) {
        long size = dice.chance(0.4) ? dice.pages(1, 16) : 2 * SizeWords.MIB * dice.between(1, 2) + dice.pages(0, 16);
        String name = actors.addFile(size);
        String line = "file " + name + " " + SizeWords.format(size);
        return dice.chance(0.6) ? line + " pattern=" + dice.pick(List.of("i32", "-i32", "i32+7", "byte:165")) : line;
    }
}
