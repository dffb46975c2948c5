package jhmm.sim.result;

import java.util.List;
import java.util.Map;

/** What every simulation's settings tell its reports: the workload, the setup in lines and as a tree. */
public interface SimSettings {
    /** The workload's name ({@code stream-read}, {@code rdma-sparse}, {@code trace FILE}). */
    String workloadName();

    /** What the workload does, in a line. */
    String workloadDescription();

    /** The settings a line each, as the text report heads itself. */
    List<String> setup();

    /** The settings as a tree of maps, lists and values for JSON. */
    Map<String, Object> tree();
}
