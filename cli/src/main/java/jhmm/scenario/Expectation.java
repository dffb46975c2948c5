package jhmm.scenario;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import jhmm.base.Pattern;

/** One {@code expect} line; {@code text} is the line as written after {@code expect}, for messages. */
public sealed interface Expectation {
    int line();

    String text();

    /** {@code expect ok|ERRNO [KEY=VALUE...] [data=PAT [off=] [len=]]}: checks the command's result. */
    record Outcome(int line, String text, int errno, Map<String, Long> counters, Optional<DataCheck> data)
            implements Expectation {}

    /** {@code data=PAT [off=] [len=]}: off is counted from the first byte of the data. */
    record DataCheck(Pattern pattern, long off, OptionalLong len) {}

    /** {@code expect prot CODE...}, with {@code CODE*N} already expanded. */
    record Prot(int line, String text, List<String> codes) implements Expectation {}

    /** {@code expect P M OFF state=STATE}: queries the page table, not the command's result. */
    record State(int line, String text, Target target, long off, String state) implements Expectation {}

    /** True when this expectation looks at the result of the command before it. */
    default boolean checksResult() {
        return !(this instanceof State);
    }
}
