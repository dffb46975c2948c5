package jhmm.scenario;

import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import jhmm.base.ByteSize;
import jhmm.base.Pattern;
import jhmm.mm.Mman;

/** The value words of the scenario language: numbers, sizes, patterns, names and PROT words. */
public final class Literals {
    private static final java.util.regex.Pattern NUMBER = java.util.regex.Pattern.compile("(0x[0-9a-fA-F]+|[0-9]+)");
    private static final java.util.regex.Pattern NAME = java.util.regex.Pattern.compile("[a-z][a-z0-9_-]*");
    private static final java.util.regex.Pattern I32_PLUS = java.util.regex.Pattern.compile("i32\\+(0x[0-9a-fA-F]+|[0-9]+)");

    private Literals() {}

    /** A plain non-negative number, decimal or hex; empty when malformed or above {@code Long.MAX_VALUE}. */
    static OptionalLong number(String word) {
        return NUMBER.matcher(word).matches() ? parseNumber(word) : OptionalLong.empty();
    }

    /**
     * A size as {@link ByteSize} reads it (K, M, G, T or p). Public so that jhmm diff's shrinker
     * reads size words exactly as the parser does.
     */
    public static OptionalLong size(String word) {
        return ByteSize.parse(word);
    }

    private static OptionalLong parseNumber(String digits) {
        try {
            return OptionalLong.of(digits.startsWith("0x")
                    ? Long.parseLong(digits.substring(2), 16)
                    : Long.parseLong(digits));
        } catch (NumberFormatException tooLarge) {
            return OptionalLong.empty();
        }
    }

    /** Names are short, so that every message can show them whole. */
    static final int MAX_NAME = 64;

    static boolean isName(String word) {
        return word.length() <= MAX_NAME && NAME.matcher(word).matches();
    }

    /** {@code zero}, {@code i32}, {@code -i32}, {@code i32+N} or {@code byte:V}. */
    static Optional<Pattern> pattern(String word) {
        switch (word) {
            case "zero":
                return Optional.of(Pattern.ZERO);
            case "i32":
                return Optional.of(Pattern.i32(0));
            case "-i32":
                return Optional.of(Pattern.negI32());
            default:
                break;
        }
        Matcher plus = I32_PLUS.matcher(word);
        if (plus.matches()) {
            // i32+N is a 32-bit word pattern: N wraps like the kernel tests' int arithmetic.
            return parseNumber(plus.group(1)).stream()
                    .filter(n -> n <= 0xFFFF_FFFFL)
                    .mapToObj(n -> Pattern.i32((int) n))
                    .findFirst();
        }
        if (word.startsWith("byte:")) {
            return number(word.substring(5)).stream()
                    .filter(v -> v <= 255)
                    .mapToObj(v -> Pattern.fillByte((int) v))
                    .findFirst();
        }
        return Optional.empty();
    }

    /** PROT words: none, r, w, rw, rx, rwx; -1 when the word is none of them. */
    static int prot(String word) {
        return switch (word) {
            case "none" -> Mman.PROT_NONE;
            case "r" -> Mman.PROT_READ;
            case "w" -> Mman.PROT_WRITE;
            case "rw" -> Mman.PROT_READ | Mman.PROT_WRITE;
            case "rx" -> Mman.PROT_READ | Mman.PROT_EXEC;
            case "rwx" -> Mman.PROT_READ | Mman.PROT_WRITE | Mman.PROT_EXEC;
            default -> -1;
        };
    }
}
