package jhmm.diff;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import jhmm.scenario.SizeWords;

/**
 * {@code mmap} lines of every kind and protection, from one page to 8M, THP-sized ones mostly
 * 2M-aligned and advised {@code hugepage} on the next line, as a THP user would.
 */
final class MmapLines {
    static final long MAX_MAPPING = 8 * SizeWords.MIB;
    /** Every protection, writable ones most: a store to the others only faults. */
    static final List<String> PROTS = List.of("none", "r", "w", "rw", "rw", "rw", "rw", "rw", "rx", "rwx", "rwx");
    private static final long THP = 2 * SizeWords.MIB;
    private static final List<String> ANON_KINDS = List.of("anon-private", "anon-shared");
    private static final List<String> FILE_KINDS = List.of("file-private", "file-shared");

    private final Dice dice;
    private final Actors actors;

    MmapLines(Dice dice, Actors actors) {
        this.dice = dice;
        this.actors = actors;
    }

    /** A size from one page to {@link #MAX_MAPPING}: small, medium and THP-sized ones alike. */
    long mappingSize() {
        int percent = dice.between(0, 99);
        if (percent < 25) {
            return dice.pages(1, 4);
        }
        if (percent < 55) {
            return dice.pages(5, 256);
        }
        if (percent < 80) {
            return THP * dice.between(1, 4);
        }
        return THP * dice.between(1, 3) + dice.pages(1, 511);
    }

    /** The mmap of a new mapping of {@code process}, and its hugepage advice when it is THP-sized. */
    List<String> mmap(String process) {
        String name = actors.mappingName(process, dice);
        String prot = dice.pick(PROTS);
        boolean fileBacked = !actors.files().isEmpty() && dice.chance(0.5);
        String kind = dice.pick(fileBacked ? FILE_KINDS : ANON_KINDS);
        long size = mappingSize();
        StringBuilder line = new StringBuilder();
        if (fileBacked) {
            Map.Entry<String, Long> file = dice.pick(List.copyOf(actors.files().entrySet()));
            long filePages = (file.getValue() + SizeWords.PAGE - 1) / SizeWords.PAGE;
            long offset = dice.chance(0.4) ? dice.pages(0, dice.chance(0.9) ? filePages - 1 : filePages) : 0;
            long inside = filePages - offset / SizeWords.PAGE;
            if (inside > 0 && dice.chance(0.85)) {
                size = dice.pages(1, inside); // mostly within the file: past its end a load is SIGBUS
            }
            line.append(" file=").append(file.getKey());
            if (offset > 0 || dice.chance(0.1)) {
                line.append(" offset=").append(SizeWords.format(offset));
            }
        }
        if (dice.chance(size >= THP ? 0.7 : 0.1)) {
            line.append(" align=2M");
        }
        if (dice.chance(0.3)) {
            line.append(" populate");
        }
        actors.put(process, name, new MappingShape(size, size, prot));
        List<String> lines = new ArrayList<>();
        lines.add(process + " mmap " + name + " " + SizeWords.format(size) + " " + prot + " " + kind + line);
        if (size >= THP && dice.chance(0.8)) {
            lines.add(process + " madvise " + name + " hugepage");
        }
        return lines;
    }
}
