package jhmm.diff;

import java.util.List;
import java.util.Map;
import jhmm.scenario.SizeWords;

/**
 * One random CPU-side command of a live process: every call the host can make with mmap,
 * munmap, mprotect, madvise, mremap, fork, exit, loads and stores, and nothing else.
 */
final class CommandLines {
    /** Verbs by weight: stores and loads most, since they make the page states to compare. */
    private static final List<String> VERBS = List.of(
            "write", "write", "write", "write", "read", "read", "read", "mprotect", "mprotect", "madvise", "madvise",
            "madvise", "munmap", "mremap", "mremap", "mmap", "fork", "exit");
    private static final List<String> ADVICE = List.of(
            "dontneed", "free", "hugepage", "nohugepage", "pageout", "collapse", "populate-read", "populate-write");
    /** Bounds the memory a scenario can touch: 4 processes of 4 mappings of at most 8M each. */
    private static final int MAX_FORKS = 3;
    private static final int MAX_MAPPINGS = 4;

    private final Dice dice;
    private final Actors actors;
    private final MmapLines mmaps;
    private final Spans spans;

    CommandLines(Dice dice, Actors actors, MmapLines mmaps) {
        this.dice = dice;
        this.actors = actors;
        this.mmaps = mmaps;
        this.spans = new Spans(dice);
    }

    /** The lines of one command (an mmap may bring its hugepage advice along). */
    List<String> next() {
        String process = actors.children().isEmpty() || dice.chance(0.5)
                ? Actors.PARENT
                : dice.pick(actors.children());
        Map<String, MappingShape> mappings = actors.mappingsOf(process);
        String verb = dice.pick(VERBS);
        if (verb.equals("fork") && actors.forks() < MAX_FORKS) {
            return List.of(process + " fork " + actors.fork(process));
        }
        if (verb.equals("exit") && !process.equals(Actors.PARENT)) {
            actors.exit(process);
            return List.of(process + " exit");
        }
        if (mappings.isEmpty() || (verb.equals("mmap") && mappings.size() < MAX_MAPPINGS)) {
            return mmaps.mmap(process);
        }
        String name = dice.pick(List.copyOf(mappings.keySet()));
        MappingShape m = mappings.get(name);
        String head = process + " " + verb + " " + name;
        return List.of(switch (verb) {
            case "read" -> head + " " + spans.bytes(m, Spans.MAX_READ).positional();
            case "mprotect" -> head + mprotect(process, name, m);
            case "madvise" -> head + " " + dice.pick(ADVICE) + range(m);
            case "munmap" -> head + munmap(process, name, m);
            case "mremap" -> head + mremap(process, name, m);
            default -> write(process, name, m);
        });
    }

    private String write(String process, String name, MappingShape m) {
        Span span = dice.chance(0.15) ? new Span(0, m.size()) : spans.bytes(m, 2 * SizeWords.MIB);
        return process + " write " + name + " " + span.positional() + " " + pattern();
    }

    private String pattern() {
        return switch (dice.between(0, 4)) {
            case 0 -> "i32";
            case 1 -> "-i32";
            case 2 -> "i32+" + (dice.chance(0.5) ? dice.between(1, 9) : dice.between(0, 0xFFFF_FFFFL));
            case 3 -> "byte:" + dice.between(0, 255);
            default -> "zero";
        };
    }

    /** Whole ({@code off=}/{@code len=} omitted), to the end ({@code off=} alone), or a span. */
    private String range(MappingShape m) {
        int form = dice.between(0, 9);
        if (form < 4) {
            return "";
        }
        Span span = spans.pages(m);
        return form < 6 ? " off=" + SizeWords.format(span.off()) : " " + span.options();
    }

    /** Includes calls that change nothing: the protection it has, or an empty range. */
    private String mprotect(String process, String name, MappingShape m) {
        String prot = dice.chance(0.15) ? m.prot() : dice.pick(MmapLines.PROTS);
        if (dice.chance(0.1)) {
            return " " + prot + " off=" + SizeWords.format(spans.pages(m).off()) + " len=0";
        }
        String range = range(m);
        if (range.isEmpty()) {
            actors.put(process, name, m.protectedAs(prot));
        }
        return " " + prot + range;
    }

    /** A whole munmap forgets the name; a partial one from offset 0 stays short of the smallest size the mapping may have. */
    private String munmap(String process, String name, MappingShape m) {
        if (dice.chance(0.4)) {
            actors.forget(process, name);
            return "";
        }
        Span span = spans.pages(m);
        if (span.off() == 0 && span.len() >= m.minSize()) {
            long minPages = m.minSize() / SizeWords.PAGE;
            span = minPages >= 2 ? new Span(0, dice.pages(1, minPages - 1)) : new Span(SizeWords.PAGE, span.len());
        }
        return " " + span.options();
    }

    /** Grow, shrink, or keep the size and move ({@code to=}) and/or leave the old range empty ({@code dontunmap}). */
    private String mremap(String process, String name, MappingShape m) {
        long size = m.size();
        long newSize = switch (dice.between(0, 2)) {
            case 0 -> Math.min(MmapLines.MAX_MAPPING, size + dice.pages(1, 512));
            case 1 -> m.pages() >= 2 ? dice.pages(1, m.pages() - 1) : size;
            default -> size;
        };
        String options = "";
        boolean sameSize = newSize == size;
        if (dice.chance(sameSize ? 0.7 : 0.3)) {
            options += " to=" + SizeWords.format(dice.pages(0, 2 * m.pages() + 512));
        }
        if (sameSize && (options.isEmpty() || dice.chance(0.5))) {
            options += " dontunmap";
        }
        actors.put(process, name, m.resized(newSize));
        return " " + SizeWords.format(newSize) + options;
    }
}
