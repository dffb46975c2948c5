package jhmm.scenario;

import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;

/** Argument shapes that several commands share: a mapping of a process, and {@code off=}/{@code len=}. */
final class CommonArgs {
    static final Form<String> MAPPING = Form.named("M", Form.NAME);
    private static final Form<String> PROCESS = Form.named("P", Form.NAME);
    static final Form<Long> OFF = Form.named("OFF", Form.SIZE);
    static final Form<Long> LEN = Form.named("LEN", Form.SIZE);
    static final Form<Long> NPAGES = Form.named("NPAGES", Form.COUNT);
    private static final Map<String, Form<?>> RANGE = Map.of("off", Form.SIZE, "len", Form.SIZE);

    private CommonArgs() {}

    /** {@code D open P}'s P: a live process, in which {@code device} is open from now on. */
    static String openIn(Words w, NameScope names, String device) {
        String process = w.take(PROCESS);
        names.requireProcess(w, process);
        names.open(device, process);
        return process;
    }

    /** The next word as a defined mapping of {@code process}. */
    static Target mapping(Words w, NameScope names, String process) {
        Target t = new Target(process, w.take(MAPPING));
        names.requireMapping(w, t);
        return t;
    }

    /** The rest of the line as {@code [off=SIZE] [len=SIZE]}. */
    static Range range(Words w) {
        Options o = w.options(RANGE, Set.of());
        return new Range(o.get("off", Form.SIZE).orElse(0L), optional(o, "len"));
    }

    /** The rest of the line as {@code [off=SIZE]}. */
    static long offset(Words w) {
        return w.options(Map.of("off", Form.SIZE), Set.of()).get("off", Form.SIZE).orElse(0L);
    }

    static OptionalLong optional(Options o, String sizeKey) {
        return o.get(sizeKey, Form.SIZE).map(OptionalLong::of).orElse(OptionalLong.empty());
    }
}
