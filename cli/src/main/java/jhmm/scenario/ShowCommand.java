package jhmm.scenario;

import java.util.Optional;

/** {@code show ...} lines: print part of the model's state, for a user learning what to expect. */
public sealed interface ShowCommand extends Command {

    /** {@code show P [M]}: P's VMAs (or those of mapping M) and the state of each of their pages. */
    record OfProcess(String process, Optional<String> mapping) implements ShowCommand {}

    /** {@code show D}: the device's memory, its page table and its DMA mappings. */
    record Device(String device) implements ShowCommand {}

    /** {@code show machine}: memory, swap, hugetlb pools, settings and event counters. */
    record Machine() implements ShowCommand {}
}
