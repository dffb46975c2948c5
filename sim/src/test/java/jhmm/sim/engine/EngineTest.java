package jhmm.sim.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class EngineTest {
    private final Engine engine = new Engine();
    private final List<String> log = new ArrayList<>();

    private int actor(String name) {
        return engine.register(e -> log.add(name + "@" + e.now()));
    }

    @Test
    void wakesInTimeOrderThenPhaseThenTheOrderOfScheduling() {
        int a = actor("a");
        int b = actor("b");
        int c = actor("c");
        int d = actor("d");
        engine.schedule(a, 20, 3);
        engine.schedule(b, 10, 3);
        engine.schedule(c, 20, 0);
        engine.schedule(d, 20, 3);
        assertThat(engine.run()).isEqualTo(20);
        assertThat(log).containsExactly("b@10", "c@20", "a@20", "d@20");
    }

    @Test
    void anActorHasAtMostOneWakeupPendingAndNoneInThePast() {
        int a = actor("a");
        assertThat(engine.schedule(a, 5, 0)).isTrue();
        assertThat(engine.schedule(a, 1, 0)).isFalse();
        engine.run();
        assertThat(log).containsExactly("a@5");
        assertThatThrownBy(() -> engine.schedule(a, 4, 0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("before now");
    }

    /** A heap that got its order wrong shows here: thousands of random wakeups must come out sorted. */
    @Test
    void manyRandomWakeupsComeOutSortedAndAnActorCanRescheduleItself() {
        SplittableRandom rnd = new SplittableRandom(7);
        long[] last = {-1};
        long[] count = {0};
        final class Hopper implements Actor {
            int id;
            int left = 50;

            @Override
            public void wake(Engine e) {
                assertThat(e.now()).isGreaterThanOrEqualTo(last[0]);
                last[0] = e.now();
                count[0]++;
                if (--left > 0) {
                    e.schedule(id, e.now() + rnd.nextLong(1000), rnd.nextInt(8));
                }
            }
        }
        for (int i = 0; i < 300; i++) {
            Hopper h = new Hopper();
            h.id = engine.register(h);
            engine.schedule(h.id, rnd.nextLong(1000), 0);
        }
        engine.run();
        assertThat(count[0]).isEqualTo(300L * 50);
        assertThat(engine.events()).isEqualTo(300L * 50);
    }

    @Test
    void stopEndsTheRunAfterTheCurrentWakeup() {
        int[] b = new int[1];
        int a = engine.register(e -> e.stop());
        b[0] = actor("b");
        engine.schedule(a, 1, 0);
        engine.schedule(b[0], 2, 0);
        engine.run();
        assertThat(log).isEmpty();
    }
}
