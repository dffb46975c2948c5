package jhmm.diff;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import jhmm.scenario.Result;

/**
 * Compares what the model did with what the host did, twice: a detail the two host runs do
 * not agree on (background kernel work such as khugepaged got in between) is not compared.
 */
final class Comparison {
    /** Runs of page codes shown around a difference. */
    private static final int RUNS_SHOWN = 6;

    private Comparison() {}

    /** The outcome (ok or errno) and the data read. */
    static Optional<Divergence> results(Result model, Result host1, Result host2) {
        if (!host1.outcome().equals(host2.outcome())) {
            return Optional.empty();
        }
        if (!model.outcome().equals(host1.outcome())) {
            return Optional.of(new Divergence("result", model.outcome(), host1.outcome()));
        }
        if (model.data().isEmpty() || host1.data().isEmpty() || host2.data().isEmpty()) {
            return Optional.empty();
        }
        byte[] m = model.data().get().bytes();
        byte[] h = host1.data().get().bytes();
        if (!Arrays.equals(h, host2.data().get().bytes())) {
            return Optional.empty();
        }
        int at = Arrays.mismatch(m, h);
        if (at < 0) {
            return Optional.empty();
        }
        long origin = model.data().get().origin();
        return Optional.of(new Divergence("data at mapping offset 0x" + Long.toHexString(origin + at),
                word(m, at), word(h, at)));
    }

    /** The pages of every live mapping (the three snapshots list the same places). */
    static Optional<Divergence> pages(Snapshot model, Snapshot host1, Snapshot host2) {
        List<MappingView> ms = model.mappings();
        for (int v = 0; v < ms.size(); v++) {
            MappingView m = ms.get(v);
            MappingView h = host1.mappings().get(v);
            MappingView h2 = host2.mappings().get(v);
            for (int i = 0; i < m.codes().length; i++) {
                boolean stable = h.codes()[i] == h2.codes()[i];
                if (stable && m.codes()[i] != h.codes()[i]) {
                    return Optional.of(new Divergence(m.name() + " page " + i + " (offset 0x" + Long.toHexString(i * 4096L) + ")",
                            runs(m.codes(), i), runs(h.codes(), i)));
                }
                boolean sharerStable = h.firstSharer()[i] == h2.firstSharer()[i];
                if (stable && sharerStable && m.firstSharer()[i] != h.firstSharer()[i]) {
                    return Optional.of(new Divergence(m.name() + " page " + i + " (offset 0x" + Long.toHexString(i * 4096L)
                            + ") frame sharing", sharing(model, m.firstSharer()[i]), sharing(host1, h.firstSharer()[i])));
                }
            }
        }
        return Optional.empty();
    }

    /** Runs of equal codes around page {@code at}: {@code pages 0-3 present+thp, 4-511 none}. */
    static String runs(int[] codes, int at) {
        StringBuilder s = new StringBuilder("pages ");
        int start = 0;
        int shown = 0;
        for (int i = 1; i <= codes.length; i++) {
            if (i == codes.length || codes[i] != codes[start]) {
                boolean near = i > at - 64 && start < at + 64;
                if (near && shown < RUNS_SHOWN) {
                    if (shown > 0) {
                        s.append(", ");
                    } else if (start > 0) {
                        s.append("..., ");
                    }
                    s.append(start == i - 1 ? Integer.toString(start) : start + "-" + (i - 1)).append(' ')
                            .append(PageCodes.describe(codes[start]));
                    shown++;
                }
                start = i;
            }
        }
        return s.toString();
    }

    private static String sharing(Snapshot s, int firstIndex) {
        if (firstIndex < 0) {
            return "maps no frame";
        }
        int base = 0;
        for (MappingView v : s.mappings()) {
            if (firstIndex < base + v.codes().length) {
                return "same frame as " + v.name() + " page " + (firstIndex - base);
            }
            base += v.codes().length;
        }
        return "frame of page " + firstIndex;
    }

    private static String word(byte[] b, int at) {
        int w = at & ~3;
        StringBuilder s = new StringBuilder("bytes");
        for (int i = w; i < Math.min(b.length, w + 8); i++) {
            s.append(String.format(" %02x", b[i] & 0xff));
        }
        return s.toString();
    }
}
