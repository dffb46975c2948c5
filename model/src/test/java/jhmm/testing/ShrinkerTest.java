package jhmm.testing;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The shrinker reports a failing script cut down to what makes it fail, and leaves a passing one alone. */
class ShrinkerTest {
    enum Op { KEEP, BREAK }

    /** Fails when a BREAK step has {@code a >= 100}, the way a model breaks on one bad step among many. */
    private static void property(String setup, List<Step<Op>> steps) {
        for (Step<Op> s : steps) {
            if (s.kind() == Op.BREAK && s.a() >= 100) {
                throw new IllegalStateException("broken by " + s);
            }
        }
    }

    private static List<Step<Op>> script(int breakAt, int a) {
        List<Step<Op>> steps = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            steps.add(new Step<>(i == breakAt ? Op.BREAK : Op.KEEP, i == breakAt ? a : 7 * i, 3, 5, i));
        }
        return steps;
    }

    @Test
    void aFailingScriptIsShrunkToTheOneStepThatBreaksItWithItsSmallestNumbers() {
        assertThatThrownBy(() -> Shrinker.check(42, "setup", script(17, 12_345), ShrinkerTest::property, Step::simpler))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("seed 42 (again: -Djhmm.seed=42) with 40 steps, shrunk to 1")
                // a halves down to the last value that still breaks: 12345 -> ... -> 192; b, c, d to 0
                .hasMessageContaining("steps: [Step[kind=BREAK, a=192, b=0, c=0, d=0]]")
                .cause()
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aPassingScriptPasses() {
        assertThatCode(() -> Shrinker.check(1, "setup", script(17, 99), ShrinkerTest::property, Step::simpler))
                .doesNotThrowAnyException();
    }
}
