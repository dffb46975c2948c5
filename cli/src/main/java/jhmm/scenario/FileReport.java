package jhmm.scenario;

import java.util.List;

/** The outcome of one scenario file; {@code unparsable} when it could not be read or parsed. */
public record FileReport(String file, List<Failure> failures, boolean unparsable) {
    public FileReport {
        failures = List.copyOf(failures);
    }

    public boolean passed() {
        return failures.isEmpty();
    }
}
