package jhmm.scenario;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import jhmm.base.Printable;

/**
 * One source line split into words, read left to right by the parser. Every word must be
 * consumed: {@link #end()} rejects leftovers, so nothing a user wrote is silently ignored.
 */
final class Words {
    /** The characters of a word or of a line that a message shows. */
    static final int MAX_SHOWN = 60;
    /** The characters of a line that a trace shows: more than a message, as the line is the point. */
    private static final int MAX_TRACED = 300;
    private final String file;
    private final int line;
    private final List<String> words;
    private int next;

    Words(String file, int line, List<String> words) {
        this.file = file;
        this.line = line;
        this.words = List.copyOf(words);
    }

    /** The words of a source line: a {@code #} starts a comment, blanks separate words. */
    static List<String> split(String text) {
        int hash = text.indexOf('#');
        String code = hash >= 0 ? text.substring(0, hash) : text;
        String trimmed = code.strip();
        return trimmed.isEmpty() ? List.of() : Arrays.asList(trimmed.split("\\s+"));
    }

    String file() {
        return file;
    }

    int line() {
        return line;
    }

    /** The whole line's words, as written, for a trace. */
    String text() {
        return Printable.of(String.join(" ", words), MAX_TRACED);
    }

    boolean hasMore() {
        return next < words.size();
    }

    /** The words not read yet, as written, for messages: at most {@value #MAX_SHOWN} characters of them. */
    String rest() {
        return visible(String.join(" ", words.subList(next, words.size())));
    }

    /** {@code text} as a message shows it: see {@link Printable}, cut past {@value #MAX_SHOWN} characters. */
    static String visible(String text) {
        return Printable.of(text, MAX_SHOWN);
    }

    /** The next word without consuming it; null at the end of the line. */
    String peek() {
        return hasMore() ? words.get(next) : null;
    }

    /** The next word, whatever it is. */
    String take(String what) {
        if (!hasMore()) {
            throw error("missing " + what + " after '" + consumed() + "'");
        }
        return words.get(next++);
    }

    /** The next word read as {@code form}. */
    <T> T take(Form<T> form) {
        String word = take(form.label());
        return form.read(word).orElseThrow(() -> badValue(form, word, consumedBefore()));
    }

    /**
     * The rest of the line as {@code key=value} options and bare flags. Any other word, an
     * unknown key or a repeated one is an error.
     */
    Options options(Map<String, Form<?>> keys, Set<String> flags) {
        Map<String, String> values = new LinkedHashMap<>();
        List<String> given = new ArrayList<>();
        while (hasMore()) {
            String word = take("option");
            int eq = word.indexOf('=');
            String key = eq > 0 ? word.substring(0, eq) : word;
            boolean known = eq > 0 ? keys.containsKey(key) : flags.contains(word);
            if (!known) {
                throw unknownWord(word, consumedBefore(), "one of: " + optionList(keys, flags));
            }
            if (given.contains(key)) {
                throw error("'" + visible(key) + (eq > 0 ? "=" : "") + "' given twice");
            }
            given.add(key);
            if (eq > 0) {
                values.put(key, word.substring(eq + 1));
            }
        }
        return new Options(this, values, Set.copyOf(given));
    }

    private static String optionList(Map<String, Form<?>> keys, Set<String> flags) {
        List<String> all = new ArrayList<>();
        new TreeMap<>(keys).forEach((key, form) -> all.add(key + "=" + form.label()));
        flags.stream().sorted().forEach(all::add);
        return all.isEmpty() ? "(nothing more)" : String.join(" ", all);
    }

    /** Rejects words left over at the end of the line. */
    void end() {
        if (hasMore()) {
            throw unknownWord(peek(), consumed(), "the end of the line");
        }
    }

    ScenarioError error(String reason) {
        return new ScenarioError(file, line, reason);
    }

    /** The error for {@code word}, read after the words {@code context}, where {@code expected} should be. */
    ScenarioError unknownWord(String word, String context, String expected) {
        String after = context.isEmpty() ? "" : " after '" + context + "'";
        return error("unknown word '" + visible(word) + "'" + after + " (expected " + expected + ")");
    }

    ScenarioError badValue(Form<?> form, String word, String context) {
        if (form.keyword()) {
            return unknownWord(word, context, form.label() + ": " + form.hint());
        }
        return error("bad " + form.label() + " '" + visible(word) + "' after '" + context + "' (" + form.hint() + ")");
    }

    /** The words read so far, for messages. */
    private String consumed() {
        return visible(String.join(" ", words.subList(0, next)));
    }

    /** The words read before the last one taken, for messages. */
    String consumedBefore() {
        return visible(String.join(" ", words.subList(0, Math.max(0, next - 1))));
    }
}
