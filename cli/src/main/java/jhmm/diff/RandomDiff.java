package jhmm.diff;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * {@code jhmm diff --random N --seed S}: N random scenarios (seeds S, S+1, ...) on the model and
 * on the host; each diverging one is shrunk to a small scenario that still diverges the same
 * way (at a command of the same kind, on the same aspect) and written to a folder.
 */
public final class RandomDiff {
    /** One diverging case: its seed, the first divergence, the shrunk scenario and where it was written. */
    public record Case(long seed, FileDiff diff, List<String> shrunk, Path written) {}

    /** All cases run, the diverging ones, and the divergences counted by the kind of command that caused them. */
    public record Summary(int cases, int agreed, List<Case> diverged, List<FileDiff> errors, Map<String, Integer> byCommand) {
        public double agreementPercent() {
            return cases == 0 ? 100 : 100.0 * agreed / cases;
        }
    }

    private RandomDiff() {}

    /**
     * Runs {@code count} cases from {@code seed}; writes shrunk divergences to {@code out} (made
     * when needed); reports each diverging case to {@code progress} as it is found.
     */
    public static Summary run(int count, long seed, Path out, boolean shrink, HostMachine host, Consumer<Case> progress)
            throws IOException {
        int agreed = 0;
        List<Case> diverged = new ArrayList<>();
        List<FileDiff> errors = new ArrayList<>();
        Map<String, Integer> byCommand = new TreeMap<>();
        for (long s = seed; s < seed + count; s++) {
            List<String> lines = RandomScenarios.generate(s);
            String name = "random-" + s + ".scn";
            FileDiff d = DiffFiles.diff(name, String.join("\n", lines) + "\n", host);
            switch (d.status()) {
                case DIVERGE -> {
                    List<String> small = shrink ? Shrinker.shrink(lines, l -> sameDivergence(name, l, d, host)) : lines;
                    FileDiff shown = shrink ? DiffFiles.diff(name, String.join("\n", small) + "\n", host) : d;
                    Path file = write(out, name, s, shown, small);
                    Case c = new Case(s, shown, small, file);
                    diverged.add(c);
                    byCommand.merge(commandKind(d.command()), 1, Integer::sum);
                    progress.accept(c);
                }
                case AGREE, NOT_COMPARABLE -> agreed++;
                default -> errors.add(d);
            }
        }
        return new Summary(count, agreed, diverged, errors, byCommand);
    }

    /** The same divergence: at a command of the same kind, on the same aspect (result, data, placement, pages). */
    private static boolean sameDivergence(String name, List<String> lines, FileDiff original, HostMachine host) {
        FileDiff d = DiffFiles.diff(name, String.join("\n", lines) + "\n", host);
        return d.status() == FileDiff.Status.DIVERGE && commandKind(d.command()).equals(commandKind(original.command()))
                && aspect(d.what()).equals(aspect(original.what()));
    }

    /** {@code mprotect}, {@code madvise dontneed}, {@code mmap}, ...: the command word, with madvise's advice. */
    public static String commandKind(String command) {
        String[] w = command.trim().split("\\s+");
        if (w.length < 2) {
            return command.trim();
        }
        return w[1].equals("madvise") && w.length > 3 ? "madvise " + w[3] : w[1];
    }

    private static String aspect(String what) {
        if (what.equals("result") || what.startsWith("data") || what.startsWith("where")) {
            return what.split(" ")[0];
        }
        return what.endsWith("frame sharing") ? "sharing" : "pages";
    }

    private static Path write(Path out, String name, long seed, FileDiff d, List<String> lines) throws IOException {
        Files.createDirectories(out);
        Path file = out.resolve(name);
        int header = 4;
        List<String> text = new ArrayList<>();
        text.add("# jhmm diff --random: seed " + seed + ", shrunk. The model and the host differ after line "
                + (d.line() + header) + ":");
        text.add("#   " + d.command() + "   differs: " + d.what());
        text.add("#   model: " + d.model());
        text.add("#   host:  " + d.host());
        text.addAll(lines);
        Files.write(file, text);
        return file;
    }
}
