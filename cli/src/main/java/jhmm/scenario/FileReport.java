package jhmm.scenario;

import java.util.List;

/**
 * The outcome of one scenario file: its failures, and whether it was bad input (it could not be
 * read or parsed, or asked for what no machine can do) or met an internal error of jhmm, as
 * opposed to a run whose expectations decide.
 */
public record FileReport(String file, List<Failure> failures, Kind kind) {
    /** How the failure of a run that exhausted the heap starts. */
    static final String OUT_OF_HEAP = "ran out of heap";

    /** How far a file got. */
    public enum Kind {
        /** It ran; its failures, if any, are expectations that did not hold. */
        RAN,
        /** Bad input: exit code 2. */
        BAD_INPUT,
        /** A bug in jhmm met while running it: exit code 3. */
        INTERNAL_ERROR
    }

    public FileReport {
        failures = List.copyOf(failures);
    }

    public boolean passed() {
        return failures.isEmpty();
    }

    public boolean badInput() {
        return kind == Kind.BAD_INPUT;
    }

    public boolean internalError() {
        return kind == Kind.INTERNAL_ERROR;
    }

    /** Whether the run stopped because the heap was full: alone in the JVM, it might not have. */
    public boolean ranOutOfHeap() {
        return badInput() && failures.stream().anyMatch(f -> f.actual() != null && f.actual().startsWith(OUT_OF_HEAP));
    }
}
