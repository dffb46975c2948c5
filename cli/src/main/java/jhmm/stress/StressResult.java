package jhmm.stress;

import java.util.List;

/**
 * What a stress run did and found: operations by CPU and device threads, quiescent checks,
 * violations (counted; the first few as sentences) and what was left behind after teardown.
 */
public record StressResult(long cpuOperations, long deviceOperations, long checks, long violationCount,
        List<String> violations, List<String> leaks, long elapsedMillis) {
    public long operations() {
        return cpuOperations + deviceOperations;
    }

    public boolean clean() {
        return violationCount == 0 && leaks.isEmpty();
    }
}
