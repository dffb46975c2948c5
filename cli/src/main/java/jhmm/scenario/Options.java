package jhmm.scenario;

import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** The {@code key=value} options and bare flags at the end of one line. */
final class Options {
    private final Words words;
    private final Map<String, String> values;
    private final Set<String> given;

    Options(Words words, Map<String, String> values, Set<String> given) {
        this.words = words;
        this.values = values;
        this.given = given;
    }

    boolean flag(String flag) {
        return given.contains(flag);
    }

    boolean has(String key) {
        return values.containsKey(key);
    }

    /** The value of {@code key} read as {@code form}; empty when the option was not given. */
    <T> Optional<T> get(String key, Form<T> form) {
        String raw = values.get(key);
        if (raw == null) {
            return Optional.empty();
        }
        return Optional.of(form.read(raw).orElseThrow(() -> words.badValue(form, raw, key + "=")));
    }
}
