package jhmm.scenario;

import java.util.Optional;

/** {@code show machine}, {@code show P [M]}, {@code show D}. */
final class ShowParser {
    private final NameScope names;

    ShowParser(NameScope names) {
        this.names = names;
    }

    Command parse(Words w) {
        String what = w.take("machine, a process or a device");
        ShowCommand c;
        if (what.equals("machine")) {
            c = new ShowCommand.Machine();
        } else if (names.isDevice(what)) {
            c = new ShowCommand.Device(what);
        } else if (names.isProcess(what)) {
            names.requireProcess(w, what);
            Optional<String> mapping = w.hasMore() ? Optional.of(CommonArgs.mapping(w, names, what).mapping()) : Optional.empty();
            c = new ShowCommand.OfProcess(what, mapping);
        } else {
            throw w.unknownWord(what, "show", "machine, a process or a device");
        }
        w.end();
        return c;
    }
}
