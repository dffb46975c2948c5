package jhmm.testing;

/**
 * How long the build's exploring tests look for a bug: the interleavings Lincheck tries per race
 * scenario, the fresh random tries of a property. Every budget is defined here, twice: a quick
 * one for every build ({@code ./mvnw -B verify}), each shown in docs/testing.md to catch the bug
 * its tests were written for (planted again for the measurement), and a deep one for a long
 * search ({@code ./mvnw -B verify -Pexplore}, or {@code -Djhmm.explore=true} on any test
 * command), worth a run after a change to the code a race or property covers.
 *
 * <p>Lincheck explores a scenario's interleavings in the same order on every run of the same
 * code, so a race test's quick budget either catches its bug in every build or in none: the
 * figures in docs/testing.md are the invocation at which each planted bug was caught, and each
 * quick budget keeps a margin above it for changes to the code that move the switch points.
 */
public record Budget(int quick, int explore) {
    /** Whether this run explores (the explore profile sets it). */
    public static final boolean EXPLORE = Boolean.getBoolean("jhmm.explore");

    /**
     * Interleavings per scenario of a race whose bug shows within 25 of them (each race test's
     * planted bug and where it showed: docs/testing.md).
     */
    public static final Budget RACE = new Budget(40, 300);
    /** As {@link #RACE}, for bugs that showed within 65 interleavings. */
    public static final Budget DEEP_RACE = new Budget(100, 400);
    /** As {@link #RACE}, for bugs that showed within 100 interleavings. */
    public static final Budget DEEPER_RACE = new Budget(150, 500);
    /** As {@link #RACE}, for bugs that showed only after 100 interleavings. */
    public static final Budget DEEPEST_RACE = new Budget(300, 1000);
    /**
     * As {@link #RACE}, for a race no planted bug of which was caught, so that nothing shows a
     * smaller budget is enough: it keeps the 300 it had before the quick budgets.
     */
    public static final Budget UNMEASURED_RACE = new Budget(300, 1000);
    /** Random tries of the CPU-side property per build. */
    public static final Budget CPU_SIDE_TRIES = new Budget(30, 150);
    /** Random tries of the device-memory property per build. */
    public static final Budget DEVICE_MEMORY_TRIES = new Budget(40, 250);

    public Budget {
        if (quick < 1 || explore < quick) {
            throw new IllegalArgumentException("a budget of " + quick + " quick and " + explore + " deep");
        }
    }

    /** This run's budget. */
    public int get() {
        return EXPLORE ? explore : quick;
    }
}
