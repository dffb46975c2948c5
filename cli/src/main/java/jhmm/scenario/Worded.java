package jhmm.scenario;

import java.util.Locale;

/** An enum constant spelled by one word of the scenario language: its name, lower case, with dashes. */
interface Worded {
    String name();

    default String word() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
