package jhmm.scenario;

/**
 * A step that could not run or whose check failed, raised where the cause is found and turned
 * into a {@link Failure} at the step's line. It is about the scenario, not a bug: no stack trace.
 * A bad-input failure is a step no machine could run as written (a name still in use, say):
 * it makes the file bad input (exit code 2) rather than a failed expectation.
 */
final class StepFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String expected;
    private final boolean badInput;

    /** A failure with no "expected" side, e.g. a command that cannot run. */
    StepFailure(String message) {
        this(null, message, false);
    }

    StepFailure(String expected, String actual) {
        this(expected, actual, false);
    }

    private StepFailure(String expected, String actual, boolean badInput) {
        super(actual, null, false, false);
        this.expected = expected;
        this.badInput = badInput;
    }

    /** A step that is bad input as written. */
    static StepFailure badInput(String message) {
        return new StepFailure(null, message, true);
    }

    boolean isBadInput() {
        return badInput;
    }

    Failure at(int line) {
        return new Failure(line, expected, getMessage());
    }
}
