package jhmm.base;

/**
 * Text from users as messages may quote it: control characters, a byte-order mark and other
 * invisible characters written as a backslash, u and four hex digits (U+0001, U+FEFF), and
 * text past a maximum cut, with its length said, so that a message never echoes a huge
 * token back and never hides what made a word wrong.
 */
public final class Printable {
    private Printable() {}

    /** {@code text} as a message shows it, at most {@code max} of its characters. */
    public static String of(String text, int max) {
        StringBuilder out = new StringBuilder();
        int shown = Math.min(text.length(), max);
        for (int i = 0; i < shown; i++) {
            char c = text.charAt(i);
            boolean invisible = Character.isISOControl(c) || Character.getType(c) == Character.FORMAT; // FORMAT: a BOM
            out.append(invisible ? String.format("\\u%04X", (int) c) : String.valueOf(c));
        }
        if (shown < text.length()) {
            out.append("... (").append(text.length()).append(" characters)");
        }
        return out.toString();
    }
}
