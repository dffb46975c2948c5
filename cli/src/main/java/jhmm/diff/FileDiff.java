package jhmm.diff;

/**
 * How one scenario file compared. For a divergence: the line and text of the command after
 * which the two sides first differ, what differs, and each side's view of it.
 *
 * @param steps commands compared before the run stopped
 * @param note why the comparison stopped early or could not start, or null
 */
public record FileDiff(String file, Status status, int line, String command, String what, String model, String host,
        int steps, String note) {
    public enum Status {
        /** Every compared command agreed. */
        AGREE,
        /** The model and the host differ after {@link #command}. */
        DIVERGE,
        /** Nothing could be compared (bad input, or a first command the host cannot run). */
        NOT_COMPARABLE,
        /** The host or the model failed in a way that is neither side's behaviour. */
        ERROR,
        /** The file cannot be read or parsed. */
        BAD_INPUT
    }

    static FileDiff agree(String file, int steps, String note) {
        return new FileDiff(file, Status.AGREE, 0, null, null, null, null, steps, note);
    }

    static FileDiff notComparable(String file, int line, String why) {
        return new FileDiff(file, Status.NOT_COMPARABLE, line, null, null, null, null, 0, why);
    }

    static FileDiff badInput(String file, int line, String why) {
        return new FileDiff(file, Status.BAD_INPUT, line, null, null, null, null, 0, why);
    }

    static FileDiff error(String file, int line, String command, String why, int steps) {
        return new FileDiff(file, Status.ERROR, line, command, null, null, null, steps, why);
    }
}
