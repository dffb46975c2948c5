package jhmm.mm;

/** What the CPU page table holds for one address, as a scenario's {@code expect ... state=} names it. */
public enum PageState {
    NONE("none"),
    PRESENT_RO("present-ro"),
    PRESENT_RW("present-rw"),
    /** Mapped, but inaccessible (PROT_NONE). */
    PROTNONE("protnone"),
    ZERO("zero"),
    SWAP("swap"),
    MIGRATION("migration"),
    DEVICE_PRIVATE("device-private"),
    DEVICE_EXCLUSIVE("device-exclusive"),
    HUGE_PMD("huge-pmd"),
    HUGE_PUD("huge-pud");

    private final String word;

    PageState(String word) {
        this.word = word;
    }

    /** The scenario language's word for this state. */
    public String word() {
        return word;
    }

    /**
     * True when this state satisfies the scenario word {@code expected}: {@code present} accepts
     * both present states, and the huge states also satisfy {@code present}.
     */
    public boolean satisfies(String expected) {
        if (expected.equals(word)) {
            return true;
        }
        if (expected.equals("present")) {
            return this == PRESENT_RO || this == PRESENT_RW || this == HUGE_PMD || this == HUGE_PUD;
        }
        return false;
    }
}
