package jhmm.scenario;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import jhmm.base.Errno;
import jhmm.base.Pattern;
import jhmm.mm.PageState;
import jhmm.scenario.Expectation.DataCheck;

/** {@code expect ...} lines, after the word {@code expect}. */
final class ExpectationParser {
    /**
     * The counters the contract names, plus jhmm's {@code moved} (pages compaction moved) and
     * the DMA helper's {@code iotlb-flushes}, {@code invalidations}, {@code refaults}, {@code unmapped}, and
     * {@code stale} (pages a pin or gup reference keeps reachable that the process no longer maps there),
     * the GPU's counts ({@link jhmm.device.gpu.GpuStats.Counter}) and the RDMA NIC's
     * ({@link jhmm.device.rnic.RnicStats.Counter}).
     */
    static final Set<String> COUNTERS = java.util.stream.Stream.concat(
            java.util.stream.Stream.of("cpages", "faults", "mapped", "dma-entries", "iommu-entries", "pinned",
                    "moved", "iotlb-flushes", "invalidations", "refaults", "unmapped", "stale"),
            java.util.stream.Stream.concat(
                    java.util.Arrays.stream(jhmm.device.gpu.GpuStats.Counter.values()).map(jhmm.device.gpu.GpuStats.Counter::word),
                    java.util.Arrays.stream(jhmm.device.rnic.RnicStats.Counter.values()).map(jhmm.device.rnic.RnicStats.Counter::word)))
            .collect(java.util.stream.Collectors.toUnmodifiableSet());
    private static final Set<String> SNAPSHOT_FLAGS = Set.of("PMD", "PUD", "ZERO", "DEV_PRIVATE_LOCAL",
            "DEV_PRIVATE_REMOTE", "DEV_COHERENT_LOCAL", "DEV_COHERENT_REMOTE");
    /** Bounds {@code CODE*N}, which is expanded in memory. */
    private static final long MAX_REPEAT = 1L << 20;
    private static final Form<String> STATE = Form.oneOf("STATE", stateWords());
    private static final Form<String> PROCESS = Form.named("P", Form.NAME);
    private static final String OUTCOME_HINT = "ok, an errno such as EFAULT, KEY=VALUE or data=PAT";

    private final NameScope names;

    ExpectationParser(NameScope names) {
        this.names = names;
    }

    private static Map<String, String> stateWords() {
        Map<String, String> words = new LinkedHashMap<>();
        words.put("present", "present");
        Arrays.stream(PageState.values()).forEach(s -> words.put(s.word(), s.word()));
        return words;
    }

    Expectation parse(Words w) {
        String text = w.rest();
        String first = w.peek();
        if (first == null) {
            throw w.error("missing what to expect after 'expect'");
        }
        if (first.equals("prot")) {
            w.take("prot");
            return new Expectation.Prot(w.line(), text, codes(w));
        }
        if (names.isProcess(first)) {
            return state(w, text);
        }
        return outcome(w, text);
    }

    private Expectation.State state(Words w, String text) {
        String process = w.take(PROCESS);
        names.requireProcess(w, process);
        Target t = CommonArgs.mapping(w, names, process);
        long off = w.take(CommonArgs.OFF);
        Options o = w.options(Map.of("state", STATE), Set.of());
        String state = o.get("state", STATE).orElseThrow(() -> w.error("missing state=STATE after '" + text + "'"));
        return new Expectation.State(w.line(), text, t, off, state);
    }

    private static Expectation.Outcome outcome(Words w, String text) {
        Optional<Integer> errno = Optional.empty();
        Map<String, Long> counters = new LinkedHashMap<>();
        Map<String, String> dataWords = new LinkedHashMap<>();
        Set<String> seen = new HashSet<>();
        while (w.hasMore()) {
            String word = w.take("expectation");
            int eq = word.indexOf('=');
            String key = eq > 0 ? word.substring(0, eq) : "outcome";
            if (eq < 0) {
                errno = Optional.of(errno(w, word));
            } else if (COUNTERS.contains(key)) {
                counters.put(key, value(w, key, word.substring(eq + 1), Form.COUNT));
            } else if (key.equals("data") || key.equals("off") || key.equals("len")) {
                dataWords.put(key, word.substring(eq + 1));
            } else {
                throw w.unknownWord(word, w.consumedBefore(), OUTCOME_HINT);
            }
            if (!seen.add(key)) {
                throw w.error(eq > 0 ? "'" + key + "=' given twice" : "'" + word + "': one outcome per expect line");
            }
        }
        return new Expectation.Outcome(w.line(), text, errno.orElse(0), counters, dataCheck(w, dataWords));
    }

    private static int errno(Words w, String word) {
        if (word.equals("ok")) {
            return 0;
        }
        int errno = word.matches("E[A-Z0-9]+") ? Errno.byName(word) : 0;
        if (errno == 0) {
            throw w.unknownWord(word, w.consumedBefore(), OUTCOME_HINT);
        }
        return errno;
    }

    private static Optional<DataCheck> dataCheck(Words w, Map<String, String> dataWords) {
        if (dataWords.isEmpty()) {
            return Optional.empty();
        }
        String pattern = dataWords.get("data");
        if (pattern == null) {
            throw w.error("off= and len= of an expectation need data=PAT");
        }
        Pattern p = value(w, "data", pattern, Form.PATTERN);
        long off = dataWords.containsKey("off") ? value(w, "off", dataWords.get("off"), Form.SIZE) : 0;
        OptionalLong len = dataWords.containsKey("len")
                ? OptionalLong.of(value(w, "len", dataWords.get("len"), Form.SIZE))
                : OptionalLong.empty();
        return Optional.of(new DataCheck(p, off, len));
    }

    private static <T> T value(Words w, String key, String raw, Form<T> form) {
        return form.read(raw).orElseThrow(() -> w.badValue(form, raw, key + "="));
    }

    /** Snapshot codes: BASE and FLAGs joined with + in any order, [*N]; NONE and ERROR stand alone. */
    private static List<String> codes(Words w) {
        List<String> codes = new ArrayList<>();
        if (!w.hasMore()) {
            throw w.error("missing CODE after 'expect prot'");
        }
        while (w.hasMore()) {
            String word = w.take("CODE");
            int star = word.indexOf('*');
            String code = star >= 0 ? word.substring(0, star) : word;
            long repeat = star >= 0 ? Literals.number(word.substring(star + 1)).orElse(0) : 1;
            if (repeat < 1 || repeat > MAX_REPEAT) {
                throw w.error("bad repeat count in '" + word + "' (CODE*N with N from 1 to " + MAX_REPEAT + ")");
            }
            if (!validCode(code)) {
                throw w.unknownWord(word, w.consumedBefore(),
                        "a snapshot code: ERROR, NONE, READ or WRITE, the last two joined by + with PMD, PUD, ZERO, DEV_... in any order");
            }
            codes.addAll(Collections.nCopies((int) repeat, code));
        }
        return codes;
    }

    /**
     * One base (READ or WRITE) and distinct flags joined with + in any order, as the docs promise
     * (codes compare by value); NONE and ERROR stand alone.
     */
    private static boolean validCode(String code) {
        List<String> parts = Arrays.asList(code.split("\\+", -1));
        if (parts.size() == 1 && (code.equals("NONE") || code.equals("ERROR"))) {
            return true;
        }
        List<String> bases = parts.stream().filter(p -> p.equals("READ") || p.equals("WRITE")).toList();
        return bases.size() == 1
                && SNAPSHOT_FLAGS.containsAll(parts.stream().filter(p -> !bases.contains(p)).toList())
                && new HashSet<>(parts).size() == parts.size();
    }
}
