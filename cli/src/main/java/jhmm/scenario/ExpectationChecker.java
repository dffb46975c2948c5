package jhmm.scenario;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import jhmm.device.dmirror.DmirrorProt;
import jhmm.mm.PageState;

/** Checks one expectation against the result of the command before it, or against the page tables. */
final class ExpectationChecker {
    private final World world;

    ExpectationChecker(World world) {
        this.world = world;
    }

    /** The failure of {@code e}, if any; throws {@link StepFailure} when it cannot be checked at all. */
    Optional<Failure> check(Expectation e, Result r) {
        return switch (e) {
            case Expectation.Outcome o -> outcome(o, r).map(actual -> new Failure(o.line(), o.text(), actual));
            case Expectation.Prot p -> prot(p, r).map(actual -> new Failure(p.line(), p.text(), actual));
            case Expectation.State s -> state(s).map(actual -> new Failure(s.line(), s.text(), actual));
        };
    }

    /** An expectation on a command that failed with another errno reports that errno alone. */
    private static Optional<String> outcome(Expectation.Outcome o, Result r) {
        if (r.errno() != o.errno()) {
            return Optional.of(r.outcome());
        }
        List<String> wrong = new ArrayList<>();
        for (Map.Entry<String, Long> c : o.counters().entrySet()) {
            Long actual = r.counters().get(c.getKey());
            if (!c.getValue().equals(actual)) {
                wrong.add(actual == null ? "no " + c.getKey() + " counter" : c.getKey() + "=" + actual);
            }
        }
        o.data().ifPresent(check -> r.data().ifPresentOrElse(
                data -> DataCompare.mismatch(data, check).ifPresent(wrong::add),
                () -> wrong.add("no data")));
        return wrong.isEmpty() ? Optional.empty() : Optional.of(String.join(", ", wrong));
    }

    private static Optional<String> prot(Expectation.Prot p, Result r) {
        if (!r.ok()) {
            return Optional.of(r.outcome());
        }
        if (r.prot().isEmpty()) {
            return Optional.of("no protection codes");
        }
        List<String> expected = p.codes().stream().map(c -> DmirrorProt.name(DmirrorProt.parse(c))).toList();
        return r.prot().equals(expected) ? Optional.empty() : Optional.of("prot " + runs(r.prot()));
    }

    /** Codes with repeats folded into {@code CODE*N}, as an expectation writes them. */
    static String runs(List<String> codes) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < codes.size(); ) {
            int j = i;
            while (j < codes.size() && codes.get(j).equals(codes.get(i))) {
                j++;
            }
            out.add(j - i == 1 ? codes.get(i) : codes.get(i) + "*" + (j - i));
            i = j;
        }
        return String.join(" ", out);
    }

    private Optional<String> state(Expectation.State s) {
        Mapping m = world.mapping(s.target());
        if (s.off() >= m.length()) {
            // Past the end the page belongs to no mapping of this name: whatever state it has says nothing of it.
            throw StepFailure.badInput("offset " + s.off() + " is past the end of mapping '" + s.target().mapping()
                    + "' (" + m.length() + " bytes): expect P M OFF looks at a page of M");
        }
        PageState actual = world.process(s.target().process()).pageState(m.start() + s.off());
        return actual.satisfies(s.state()) ? Optional.empty() : Optional.of("state=" + actual.word());
    }
}
