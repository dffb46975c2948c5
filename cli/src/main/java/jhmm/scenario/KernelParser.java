package jhmm.scenario;

import jhmm.scenario.Command.Compact;
import jhmm.scenario.Command.Migrate;
import jhmm.scenario.Command.SplitThp;
import jhmm.scenario.Command.Swapout;

/** {@code kernel ...} lines: what the kernel does on its own (migration, reclaim, THP split, compaction). */
final class KernelParser {
    private static final Form<String> PROCESS = Form.named("P", Form.NAME);

    private final NameScope names;

    KernelParser(NameScope names) {
        this.names = names;
    }

    Command parse(Words w) {
        String verb = w.take("a kernel action");
        Command c = switch (verb) {
            case "migrate" -> new Migrate(target(w), CommonArgs.range(w));
            case "swapout" -> new Swapout(target(w), CommonArgs.range(w));
            case "split-thp" -> new SplitThp(target(w), CommonArgs.offset(w));
            case "compact" -> new Compact();
            default -> throw w.unknownWord(verb, "kernel", "migrate, swapout, split-thp or compact");
        };
        w.end();
        return c;
    }

    private Target target(Words w) {
        String process = w.take(PROCESS);
        names.requireProcess(w, process);
        return CommonArgs.mapping(w, names, process);
    }
}
