package jhmm.scenario;

/**
 * The model threw where it should have returned an errno: a bug in jhmm, not in the scenario.
 * Carries the scenario location so that the one-line internal error says where it happened.
 */
public final class ModelCrash extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int line;

    ModelCrash(String file, int line, RuntimeException cause) {
        super(file + ":" + line + ": " + describe(cause), cause);
        this.line = line;
    }

    static String describe(Throwable cause) {
        return cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : ": " + cause.getMessage());
    }

    /** The failure to report for the file: the line and the exception, marked as jhmm's. */
    Failure failure() {
        return new Failure(line, null, "internal error of jhmm: " + describe(getCause()));
    }
}
