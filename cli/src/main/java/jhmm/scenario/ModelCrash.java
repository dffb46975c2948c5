package jhmm.scenario;

/**
 * The model threw where it should have returned an errno: a bug in jhmm, not in the scenario.
 * Carries the scenario location so that the one-line internal error says where it happened.
 */
public final class ModelCrash extends RuntimeException {
    private static final long serialVersionUID = 1L;

    ModelCrash(String file, int line, RuntimeException cause) {
        super(file + ":" + line + ": " + cause.getClass().getSimpleName()
                + (cause.getMessage() == null ? "" : ": " + cause.getMessage()), cause);
    }
}
