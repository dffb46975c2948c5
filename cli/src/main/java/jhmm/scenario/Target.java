package jhmm.scenario;

/** A mapping, named as the scenario names it: by its process and its own name. */
public record Target(String process, String mapping) {
    @Override
    public String toString() {
        return process + " " + mapping;
    }
}
