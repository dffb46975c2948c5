package jhmm.sim.config;

import jhmm.base.EnumCounts;

/** Reading a setting's word as one of an enum's, the way every simulation's settings spell them. */
public final class SettingValues {
    private SettingValues() {}

    /** The constant of {@code type} whose word is {@code v}; else an error naming {@code key} and the words it takes. */
    public static <E extends Enum<E>> E choice(Class<E> type, String key, String v) {
        StringBuilder all = new StringBuilder();
        for (E e : type.getEnumConstants()) {
            if (EnumCounts.word(e).equals(v)) {
                return e;
            }
            all.append(all.isEmpty() ? "" : ", ").append(EnumCounts.word(e));
        }
        throw new IllegalArgumentException(key + ": \"" + v + "\" is not one of " + all);
    }
}
