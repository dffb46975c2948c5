package jhmm.diff;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.stream.LongStream;
import jhmm.scenario.Literals;
import jhmm.scenario.SizeWords;

/**
 * Shrinks the numbers of the lines after {@code machine} one at a time: halve while it still
 * fails, then try one page less. Whole pages stay whole pages; offsets ({@code off=},
 * {@code offset=}, {@code to=}, the OFF of read and write) may reach 0, sizes and lengths stop at
 * one page (or one byte when they were not whole pages), so the result still means something.
 */
final class NumberReducer {
    private static final Set<String> OFFSET_KEYS = Set.of("off", "offset", "to");
    private static final Set<String> POSITIONAL_OFF_VERBS = Set.of("read", "write");
    /** {@code P read|write M OFF LEN}: OFF is the fourth word. */
    private static final int POSITIONAL_OFF = 3;

    private NumberReducer() {}

    static List<String> reduce(List<String> lines, Trials trials) {
        List<String> current = lines;
        for (int i = 0; i < current.size(); i++) {
            if (current.get(i).strip().startsWith("machine")) {
                continue;
            }
            int words = code(current.get(i)).split("\\s+").length;
            for (int w = 0; w < words && !trials.exhausted(); w++) {
                current = shrinkWord(current, i, w, trials);
            }
        }
        return current;
    }

    private static List<String> shrinkWord(List<String> lines, int line, int word, Trials trials) {
        List<String> current = lines;
        Optional<NumberWord> number = NumberWord.at(current.get(line), word);
        while (number.isPresent() && !trials.exhausted()) {
            NumberWord n = number.get();
            List<String> before = current;
            long unit = n.value() % SizeWords.PAGE == 0 ? SizeWords.PAGE : 1;
            long floor = n.isOffset() ? 0 : unit;
            OptionalLong smaller = LongStream.of(Math.max(n.value() / 2 / unit * unit, floor), n.value() - unit)
                    .filter(v -> v >= floor && v < n.value())
                    .filter(v -> trials.fails(with(before, line, n.replaced(v))))
                    .findFirst();
            if (smaller.isEmpty()) {
                return current;
            }
            current = with(current, line, n.replaced(smaller.getAsLong()));
            number = NumberWord.at(current.get(line), word);
        }
        return current;
    }

    private static List<String> with(List<String> lines, int index, String line) {
        List<String> copy = new ArrayList<>(lines);
        copy.set(index, line);
        return copy;
    }

    /** The line without its comment. */
    private static String code(String line) {
        int hash = line.indexOf('#');
        return (hash >= 0 ? line.substring(0, hash) : line).strip();
    }

    /** A size word of a line, alone or as the value of {@code key=}. */
    private record NumberWord(List<String> words, String comment, int index, String key, long value) {
        static Optional<NumberWord> at(String line, int index) {
            String code = code(line);
            List<String> words = List.of(code.split("\\s+"));
            String comment = line.substring(line.indexOf(code) + code.length());
            if (index >= words.size()) {
                return Optional.empty();
            }
            String word = words.get(index);
            int eq = word.indexOf('=');
            String key = eq > 0 ? word.substring(0, eq) : "";
            OptionalLong value = Literals.size(word.substring(eq + 1));
            return value.isPresent()
                    ? Optional.of(new NumberWord(words, comment, index, key, value.getAsLong()))
                    : Optional.empty();
        }

        boolean isOffset() {
            boolean positional = key.isEmpty() && index == POSITIONAL_OFF
                    && POSITIONAL_OFF_VERBS.contains(words.get(1));
            return OFFSET_KEYS.contains(key) || positional;
        }

        String replaced(long newValue) {
            List<String> changed = new ArrayList<>(words);
            changed.set(index, (key.isEmpty() ? "" : key + "=") + SizeWords.format(newValue));
            return String.join(" ", changed) + comment;
        }
    }
}
