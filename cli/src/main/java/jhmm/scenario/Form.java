package jhmm.scenario;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Function;
import jhmm.base.ByteSize;
import jhmm.base.Pattern;

/**
 * What kind of value a word must be (SIZE, PAT, a choice of keywords...), with the reader that
 * converts it and the hint a parse error shows. Positional words and option values share these.
 */
record Form<T>(String label, Function<String, Optional<T>> reader, String hint, boolean keyword) {
    static final Form<Long> SIZE = new Form<>(
            "SIZE", w -> boxed(Literals.size(w)), ByteSize.HINT, false);
    static final Form<Long> COUNT = new Form<>("N", w -> boxed(Literals.number(w)), "a number below 2^63, hex or decimal", false);
    static final Form<Pattern> PATTERN = new Form<>("PAT", Literals::pattern, "zero, i32, -i32, i32+N or byte:V", false);
    static final Form<String> NAME = new Form<>(
            "NAME", w -> Optional.of(w).filter(Literals::isName), "a name matching [a-z][a-z0-9_-]*, at most " + Literals.MAX_NAME + " characters", false);
    static final Form<Integer> PROT = new Form<>(
            "PROT", w -> Optional.of(Literals.prot(w)).filter(p -> p >= 0), "none, r, w, rw, rx or rwx", true);

    /** A value of {@code form} that a parse error calls {@code label}, e.g. OFF or LEN for sizes. */
    static <T> Form<T> named(String label, Form<T> form) {
        return new Form<>(label, form.reader, form.hint, form.keyword);
    }

    /** One of the words of an enum's constants. */
    static <E extends Enum<E> & Worded> Form<E> choice(String label, E[] values) {
        Map<String, E> byWord = new LinkedHashMap<>();
        Arrays.stream(values).forEach(v -> byWord.put(v.word(), v));
        return oneOf(label, byWord);
    }

    /** One of an enum's constants, spelled lower case with dashes for underscores (the model's own enums). */
    static <E extends Enum<E>> Form<E> words(String label, E[] values) {
        Map<String, E> byWord = new LinkedHashMap<>();
        for (E v : values) {
            byWord.put(v.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'), v);
        }
        return oneOf(label, byWord);
    }

    /** One of the keys of {@code byWord}, read as its value. */
    static <T> Form<T> oneOf(String label, Map<String, T> byWord) {
        Map<String, T> copy = new LinkedHashMap<>(byWord);
        return new Form<>(label, w -> Optional.ofNullable(copy.get(w)), String.join(", ", copy.keySet()), true);
    }

    Optional<T> read(String word) {
        return reader.apply(word);
    }

    private static Optional<Long> boxed(OptionalLong n) {
        return n.isPresent() ? Optional.of(n.getAsLong()) : Optional.empty();
    }
}
