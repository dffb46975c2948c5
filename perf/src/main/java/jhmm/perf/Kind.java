package jhmm.perf;

/** The page size kind a range is backed with: 4 KiB pages only, or PMD-sized THPs. */
public enum Kind {
    PAGE_4K("4K"),
    THP("THP");

    private final String label;

    Kind(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    public boolean thp() {
        return this == THP;
    }

    /** @throws IllegalArgumentException unless {@code label} is 4K or THP */
    public static Kind parse(String label) {
        for (Kind k : values()) {
            if (k.label.equalsIgnoreCase(label.trim())) {
                return k;
            }
        }
        throw new IllegalArgumentException("kind must be 4K or THP: " + label);
    }

    @Override
    public String toString() {
        return label;
    }
}
