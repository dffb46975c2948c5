package jhmm.bench;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * The 4 KiB pages a benchmark covered in the iteration. An OPERATIONS counter in AverageTime
 * mode is reported as the iteration's measured time divided by it: the {@code ·pages} line of
 * the results is the time per 4 KiB page, whatever {@code -p size=} says. JMH zeroes it
 * before each iteration.
 */
@State(Scope.Thread)
@AuxCounters(AuxCounters.Type.OPERATIONS)
public class Pages {
    public long pages;
}
