package jhmm.scenario;

/**
 * A scenario file that cannot be parsed. The message names the file, the line and, where there
 * is one, the offending word, in the compiler-like form {@code FILE:LINE: message}.
 */
public final class ScenarioError extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String file;
    private final int line;
    private final String reason;

    ScenarioError(String file, int line, String reason) {
        super(file + ":" + line + ": " + reason);
        this.file = file;
        this.line = line;
        this.reason = reason;
    }

    public String file() {
        return file;
    }

    public int line() {
        return line;
    }

    /** The message without the location. */
    public String reason() {
        return reason;
    }
}
