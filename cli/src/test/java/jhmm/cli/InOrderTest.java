package jhmm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class InOrderTest {
    /** The first item cannot finish before the last has: its result still comes first. */
    @Test
    void resultsComeInTheItemsOrderWhateverOrderTheyFinishIn() {
        CountDownLatch lastDone = new CountDownLatch(1);
        List<Integer> items = List.of(0, 1, 2, 3);
        List<String> got = new ArrayList<>();
        for (String r : InOrder.map(items, 2, i -> {
            if (i == 0) {
                await(lastDone);
            }
            if (i == 3) {
                lastDone.countDown();
            }
            return "item " + i;
        })) {
            got.add(r);
        }
        assertThat(got).containsExactly("item 0", "item 1", "item 2", "item 3");
    }

    @Test
    void oneThreadDoesEachItemWhenItsResultIsAskedFor() {
        List<String> order = new ArrayList<>();
        for (String r : InOrder.map(List.of("a", "b"), 1, s -> {
            order.add("did " + s);
            return s;
        })) {
            order.add("got " + r);
        }
        assertThat(order).containsExactly("did a", "got a", "did b", "got b");
    }

    private static void await(CountDownLatch latch) {
        try {
            assertThat(latch.await(10, TimeUnit.SECONDS)).as("the last item ran meanwhile").isTrue();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }
}
