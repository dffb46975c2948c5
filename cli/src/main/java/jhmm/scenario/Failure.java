package jhmm.scenario;

/**
 * One failed expectation (or step) of a file. {@code expected} is null for a step that could
 * not run at all, whose {@code actual} then says why; {@code line} is 0 for the file as a whole.
 * {@code note} (empty, or starting with a blank) explains the actual value where the run
 * knows more, e.g. that another call unmapped the pages of the mapping used.
 */
public record Failure(int line, String expected, String actual, String note) {
    public Failure(int line, String expected, String actual) {
        this(line, expected, actual, "");
    }

    /** The message after {@code FILE:LINE: }. */
    public String text() {
        return (expected == null ? actual : "expected " + expected + ", got " + actual) + note;
    }

    /** The whole output line, in the form compilers use. */
    public String format(String file) {
        return file + (line > 0 ? ":" + line : "") + ": " + text();
    }
}
