package jhmm.cli.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;

/** What one entry measured, as text for people and as a JSON object for tools. */
public interface BenchResult {
    void printText(PrintWriter out);

    /** The result as one JSON object whose {@code entry} field is the entry's name. */
    ObjectNode toJson();

    /** The model-vs-host rows it measured, if it is an entry that measures the host. */
    default java.util.List<jhmm.perf.Comparison> comparisons() {
        return java.util.List.of();
    }
}
