package jhmm.diff;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Delta debugging (Zeller's ddmin) over the lines after the {@code machine} line: remove one of
 * n chunks while the rest still fails, doubling n when no chunk can go, down to single lines.
 * A candidate first loses the lines that no longer parse (the users of a removed mmap or fork),
 * so a definition and its users can go in one step.
 */
final class LineReducer {
    private LineReducer() {}

    static List<String> reduce(List<String> lines, Trials trials) {
        int head = lines.isEmpty() || !lines.get(0).strip().startsWith("machine") ? 0 : 1;
        List<String> current = lines;
        int chunks = 2;
        while (current.size() > head && !trials.exhausted()) {
            Optional<List<String>> smaller = withoutOneChunk(current, head, chunks, trials);
            int body = current.size() - head;
            if (smaller.isPresent()) {
                current = smaller.get();
                chunks = Math.max(chunks - 1, 2);
            } else if (chunks >= body) {
                break;
            } else {
                chunks = Math.min(body, 2 * chunks);
            }
        }
        return current;
    }

    /** The first failing candidate that lacks one of {@code chunks} parts of the body. */
    private static Optional<List<String>> withoutOneChunk(List<String> lines, int head, int chunks, Trials trials) {
        int body = lines.size() - head;
        int parts = Math.min(chunks, body);
        for (int i = 0; i < parts; i++) {
            int from = head + (int) ((long) body * i / parts);
            int to = head + (int) ((long) body * (i + 1) / parts);
            List<String> candidate = new ArrayList<>(lines.subList(0, from));
            candidate.addAll(lines.subList(to, lines.size()));
            candidate = ScenarioLines.repaired(candidate);
            if (trials.fails(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }
}
