package jhmm.gup;

/**
 * is_valid_gup_args and the flag check of gup_fast_fallback: which FOLL_* combinations the
 * entry points accept. The caller never passes FOLL_PIN (the pin_* entry points set it), GET
 * and PIN never go together, and FOLL_LONGTERM only comes with FOLL_PIN.
 */
final class GupArgs {
    /** What {@link #withEntryFlag} returns for a combination the entry point refuses. */
    static final int INVALID = -1;
    /** The flags the lockless walk understands; any other makes the fast entry points fail with -EINVAL. */
    private static final int FAST_FLAGS = Foll.WRITE | Foll.LONGTERM | Foll.FORCE | Foll.PIN | Foll.GET | Foll.NOFAULT;

    private GupArgs() {}

    /** The caller's flags with the entry point's own ({@link Foll#GET} or {@link Foll#PIN}) added, or {@link #INVALID}. */
    static int withEntryFlag(int callerFlags, int entryFlag) {
        if ((callerFlags & Foll.PIN) != 0) {
            return INVALID; // internal: only the pin_* entry points set it
        }
        int flags = callerFlags | entryFlag;
        if ((flags & (Foll.PIN | Foll.GET)) == (Foll.PIN | Foll.GET)) {
            return INVALID;
        }
        if ((flags & Foll.LONGTERM) != 0 && (flags & Foll.PIN) == 0) {
            return INVALID; // a long-term reference must be a pin
        }
        return flags;
    }

    /** Whether the lockless walk accepts these flags (gup_fast_fallback). */
    static boolean fastAccepts(int flags) {
        return (flags & ~FAST_FLAGS) == 0;
    }
}
