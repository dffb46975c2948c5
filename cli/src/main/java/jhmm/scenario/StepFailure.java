package jhmm.scenario;

/**
 * A step that could not run or whose check failed, raised where the cause is found and turned
 * into a {@link Failure} at the step's line. It is about the scenario, not a bug: no stack trace.
 */
final class StepFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String expected;

    /** A failure with no "expected" side, e.g. a command that cannot run. */
    StepFailure(String message) {
        this(null, message);
    }

    StepFailure(String expected, String actual) {
        super(actual, null, false, false);
        this.expected = expected;
    }

    Failure at(int line) {
        return new Failure(line, expected, getMessage());
    }
}
