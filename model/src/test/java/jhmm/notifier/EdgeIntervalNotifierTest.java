package jhmm.notifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import jhmm.base.Errno;
import jhmm.base.ErrnoException;
import jhmm.base.PageSize;
import jhmm.kernel.Machine;
import jhmm.kernel.MachineConfig;
import jhmm.kernel.UserProcess;
import jhmm.mm.Mm;
import jhmm.mm.Mman;
import jhmm.mm.NotifierEvent;
import jhmm.mm.NotifierRange;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The edge cases 27-35 of the HMM specification's section 7 ("mmu_interval_notifier"), each
 * checked against the sequence numbers, callbacks and sleeps the specification states (5.4,
 * 5.5). In-flight invalidations are started and ended directly on the mm's subscriptions, as
 * mmu_notifier_invalidate_range_start/_end do, so that their overlap can be arranged exactly.
 */
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class EdgeIntervalNotifierTest {
    private static final long P = PageSize.PAGE_SIZE;
    private static final Duration QUICK = Duration.ofSeconds(5);

    private final Machine machine = new Machine(MachineConfig.defaults().withRam(64L << 20));
    private final UserProcess p = machine.createProcess("p");
    private final Mm mm = p.mm();
    private final MmuNotifierSubscriptions subs = MmuNotifiers.subscriptions(mm);
    /** Three pages' worth of intervals used throughout: A, B = A + P, C far away. */
    private final long a = 0x10_0000_0000L;
    private final long b = a + P;
    private final long c = 0x20_0000_0000L;

    /** A driver callback that records what it is told and calls mmu_interval_set_seq, unless told to refuse. */
    static final class Recorder implements MmuIntervalNotifierOps {
        final List<NotifierRange> ranges = new CopyOnWriteArrayList<>();
        final List<Long> seqs = new CopyOnWriteArrayList<>();
        volatile boolean refuse;

        @Override
        public boolean invalidate(MmuIntervalNotifier sub, NotifierRange range, long curSeq) {
            ranges.add(range);
            seqs.add(curSeq);
            if (refuse) {
                return false;
            }
            sub.setSeq(curSeq);
            return true;
        }

        int calls() {
            return ranges.size();
        }
    }

    private NotifierRange range(long start, long end, boolean blockable) {
        return new NotifierRange(mm, start, end, NotifierEvent.CLEAR, blockable, null);
    }

    private NotifierRange begin(long start, long end) {
        NotifierRange r = range(start, end, true);
        assertThat(subs.invalidateRangeStart(r)).isZero();
        return r;
    }

    private static Thread spawn(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** Waits until {@code t} sleeps on the subscriptions' wait queue (a condition wait, not a lock). */
    private static void awaitSleeping(Thread t) {
        long deadline = System.nanoTime() + QUICK.toNanos();
        while (true) {
            assertThat(t.isAlive()).as("%s returned instead of sleeping", t.getName()).isTrue();
            if (t.getState() == Thread.State.WAITING && conditionWait(t.getStackTrace())) {
                return;
            }
            assertThat(System.nanoTime()).as("%s never slept", t.getName()).isLessThan(deadline);
            Thread.onSpinWait();
        }
    }

    private static boolean conditionWait(StackTraceElement[] stack) {
        for (StackTraceElement e : stack) {
            if (e.getClassName().endsWith("ConditionObject") && e.getMethodName().startsWith("await")) {
                return true;
            }
        }
        return false;
    }

    private static void join(Thread t) {
        try {
            t.join(QUICK.toMillis());
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
        assertThat(t.isAlive()).as("%s still running", t.getName()).isFalse();
    }

    /** read_begin on another thread; the result lands in the returned holder when it returns. */
    private static AtomicLong readBeginAsync(MmuIntervalNotifier sub, Thread[] thread) {
        AtomicLong seq = new AtomicLong(-1);
        thread[0] = spawn("read_begin", () -> seq.set(MmuNotifiers.readBegin(sub)));
        return seq;
    }

    /** Edge case 27: the global seq starts at 2, an idle insert gets 1, and read_begin returns 1 at once. */
    @Test
    @DisplayName("edge 27: global seq starts at 2; idle insert gets seq 1; read_begin returns 1 without sleeping")
    void initialSequences() {
        assertThat(subs.seq()).isEqualTo(2);
        MmuIntervalNotifier sub = MmuNotifiers.insert(mm, a, P, new Recorder());
        assertThat(sub.seq()).isEqualTo(1);
        assertThat(assertTimeoutPreemptively(QUICK, () -> MmuNotifiers.readBegin(sub))).isEqualTo(1);
        assertThat(subs.seq()).isEqualTo(2);
    }

    /** Edge case 28: a non-overlapping invalidation calls no callback, keeps the seq even and wakes no sleeper. */
    @Test
    @DisplayName("edge 28: non-overlapping invalidations: no callback, seq stays even, no waiter woken")
    void nonOverlappingInvalidation() {
        Recorder rec = new Recorder();
        MmuIntervalNotifier sub = MmuNotifiers.insert(mm, a, P, rec);
        NotifierRange n = begin(b, b + P); // [b, b+P) ends where the interval's successor begins: no overlap
        assertThat(subs.seq()).isEqualTo(2);
        assertThat(subs.activeInvalidations()).isEqualTo(1);
        subs.invalidateRangeEnd(n);
        assertThat(subs.seq()).isEqualTo(2);
        assertThat(subs.activeInvalidations()).isZero();

        long m = p.mmap(0, 4 * P, Mman.PROT_READ | Mman.PROT_WRITE, Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS, null, 0);
        assertThat(p.munmap(m, 4 * P)).isZero(); // a CPU-side UNMAP elsewhere
        assertThat(subs.seq()).isEqualTo(2);
        assertThat(rec.calls()).isZero();

        // a sleeper of an overlapping period is not woken by a non-overlapping start and end
        NotifierRange o = begin(a, a + P);
        assertThat(subs.seq()).isEqualTo(3);
        Thread[] reader = new Thread[1];
        AtomicLong got = readBeginAsync(sub, reader);
        awaitSleeping(reader[0]);
        NotifierRange n2 = begin(c, c + P);
        subs.invalidateRangeEnd(n2);
        assertThat(subs.seq()).isEqualTo(3);
        awaitSleeping(reader[0]);
        subs.invalidateRangeEnd(o);
        join(reader[0]);
        assertThat(got.get()).isEqualTo(3);
        assertThat(rec.calls()).isEqualTo(1);
    }

    /** Edge case 29: an overlapping start during a non-overlapping one makes the seq odd until both have ended. */
    @Test
    @DisplayName("edge 29: overlapping start during a non-overlapping one: seq odd until both have ended")
    void overlapDuringNonOverlap() {
        Recorder rec = new Recorder();
        MmuIntervalNotifier sub = MmuNotifiers.insert(mm, a, P, rec);
        NotifierRange n = begin(c, c + P);
        assertThat(subs.seq()).isEqualTo(2);
        NotifierRange o = begin(a, a + P);
        assertThat(subs.seq()).isEqualTo(3);
        assertThat(rec.seqs).containsExactly(3L);
        assertThat(sub.seq()).isEqualTo(3);
        subs.invalidateRangeEnd(n);
        assertThat(subs.seq()).as("the overlapping one still runs").isEqualTo(3);
        subs.invalidateRangeEnd(o);
        assertThat(subs.seq()).isEqualTo(4);

        // ending them in the other order
        NotifierRange n2 = begin(c, c + P);
        NotifierRange o2 = begin(a, a + P);
        assertThat(subs.seq()).isEqualTo(5);
        subs.invalidateRangeEnd(o2);
        assertThat(subs.seq()).as("the non-overlapping one still runs").isEqualTo(5);
        subs.invalidateRangeEnd(n2);
        assertThat(subs.seq()).isEqualTo(6);
    }

    /** Edge case 30: read_begin in an exclusive period sleeps only once the subscription's callback has run. */
    @Test
    @DisplayName("edge 30: read_begin in an exclusive period sleeps only if the callback already ran; otherwise read_retry catches it")
    void readBeginDuringExclusivePeriod() throws InterruptedException {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        MmuIntervalNotifier first = MmuNotifiers.insert(mm, a, P, (s, r, cur) -> {
            entered.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            s.setSeq(cur);
            return true;
        });
        Recorder rec = new Recorder();
        MmuIntervalNotifier second = MmuNotifiers.insert(mm, b, P, rec);
        NotifierRange both = range(a, b + P, true);
        Thread invalidator = spawn("invalidate", () -> subs.invalidateRangeStart(both));
        assertThat(entered.await(QUICK.toMillis(), TimeUnit.MILLISECONDS)).isTrue();

        // the period is open (seq odd) but neither callback has set its subscription's seq yet
        assertThat(subs.seq()).isEqualTo(3);
        assertThat(rec.calls()).isZero();
        long seq = assertTimeoutPreemptively(QUICK, () -> MmuNotifiers.readBegin(second));
        assertThat(seq).isEqualTo(1);
        release.countDown();
        join(invalidator);
        assertThat(rec.calls()).isEqualTo(1);
        assertThat(MmuNotifiers.readRetry(second, seq)).as("the callback that ran after read_begin").isTrue();

        // now both callbacks ran in this period: read_begin sleeps until it ends
        Thread[] reader = new Thread[1];
        AtomicLong got = readBeginAsync(first, reader);
        awaitSleeping(reader[0]);
        subs.invalidateRangeEnd(both);
        join(reader[0]);
        assertThat(got.get()).isEqualTo(3);
        assertThat(subs.seq()).isEqualTo(4);
    }

    /** Edge case 31: a refusing callback is ignored in a blockable range; in a non-blockable one the start fails whole. */
    @Test
    @DisplayName("edge 31: false from a callback: ignored when blockable; non-blockable start fails -EAGAIN, ended at once, classic not called")
    void refusingCallback() {
        Recorder refusing = new Recorder();
        refusing.refuse = true;
        Recorder other = new Recorder();
        MmuNotifiers.insert(mm, a, P, refusing);
        MmuIntervalNotifier second = MmuNotifiers.insert(mm, b, P, other);
        AtomicInteger classicStarts = new AtomicInteger();
        AtomicInteger classicEnds = new AtomicInteger();
        assertThat(MmuNotifiers.register(new MmuNotifier() {
            @Override
            public int invalidateRangeStart(NotifierRange range) {
                classicStarts.incrementAndGet();
                return 0;
            }

            @Override
            public void invalidateRangeEnd(NotifierRange range) {
                classicEnds.incrementAndGet();
            }
        }, mm)).isZero();

        NotifierRange blockable = range(a, b + P, true);
        assertThat(subs.invalidateRangeStart(blockable)).isZero();
        assertThat(subs.ignoredFailures()).as("one WARN").isEqualTo(1);
        assertThat(other.calls()).isEqualTo(1);
        assertThat(classicStarts.get()).isEqualTo(1);
        assertThat(subs.seq()).isEqualTo(3);
        subs.invalidateRangeEnd(blockable);
        assertThat(subs.seq()).isEqualTo(4);
        assertThat(classicEnds.get()).isEqualTo(1);

        NotifierRange nonBlockable = range(a, b + P, false);
        assertThat(subs.invalidateRangeStart(nonBlockable)).isEqualTo(-Errno.EAGAIN);
        assertThat(classicStarts.get()).as("classic subscribers are not called").isEqualTo(1);
        assertThat(classicEnds.get()).isEqualTo(1);
        assertThat(subs.activeInvalidations()).as("end processing already ran").isZero();
        assertThat(subs.seq()).as("the period opened and closed").isEqualTo(6);
        assertThat(assertTimeoutPreemptively(QUICK, () -> MmuNotifiers.readBegin(second))).as("no sleep").isEqualTo(second.seq());
    }

    /** Edge case 32: inserts during an exclusive period are deferred; during a non-exclusive active one they make the seq odd. */
    @Test
    @DisplayName("edge 32: insert in an exclusive period is deferred with the odd seq; in an active non-exclusive period it goes in and makes the seq odd")
    void insertDuringInvalidation() {
        Recorder first = new Recorder();
        MmuNotifiers.insert(mm, a, P, first);
        NotifierRange o = begin(a, a + P);
        assertThat(subs.seq()).isEqualTo(3);
        Recorder lateRec = new Recorder();
        MmuIntervalNotifier late = MmuNotifiers.insert(mm, a, P, lateRec);
        assertThat(late.seq()).isEqualTo(3);
        assertThat(subs.intervals()).as("deferred").doesNotContain(late);
        NotifierRange o2 = begin(a, a + P); // a second invalidation of the same page in the period
        subs.invalidateRangeEnd(o2);
        assertThat(lateRec.calls()).as("not in the tree yet").isZero();
        Thread[] reader = new Thread[1];
        AtomicLong got = readBeginAsync(late, reader);
        awaitSleeping(reader[0]);
        subs.invalidateRangeEnd(o);
        join(reader[0]);
        assertThat(got.get()).isEqualTo(3);
        assertThat(subs.seq()).isEqualTo(4);
        assertThat(subs.intervals()).contains(late);

        // an invalidation in flight that overlaps nothing: the insert goes in now and opens a period
        NotifierRange n = begin(c, c + P);
        assertThat(subs.seq()).isEqualTo(4);
        MmuIntervalNotifier during = MmuNotifiers.insert(mm, b, P, new Recorder());
        assertThat(subs.intervals()).contains(during);
        assertThat(subs.seq()).isEqualTo(5);
        assertThat(during.seq()).isEqualTo(5);
        AtomicLong got2 = readBeginAsync(during, reader);
        awaitSleeping(reader[0]);
        subs.invalidateRangeEnd(n);
        join(reader[0]);
        assertThat(got2.get()).isEqualTo(5);
        assertThat(subs.seq()).isEqualTo(6);
    }

    /** Edge case 33: removing a deferred insert cancels it at once; removing during an exclusive period waits for its end. */
    @Test
    @DisplayName("edge 33: remove of a deferred insert cancels it without waiting; remove in an exclusive period waits, then no callback")
    void removeDuringInvalidation() {
        Recorder firstRec = new Recorder();
        MmuIntervalNotifier first = MmuNotifiers.insert(mm, a, P, firstRec);
        NotifierRange o = begin(a, a + P);
        Recorder lateRec = new Recorder();
        MmuIntervalNotifier late = MmuNotifiers.insert(mm, a, P, lateRec);
        assertTimeoutPreemptively(QUICK, () -> MmuNotifiers.remove(late));
        subs.invalidateRangeEnd(o);
        assertThat(subs.intervals()).containsExactly(first);
        NotifierRange again = begin(a, a + P);
        subs.invalidateRangeEnd(again);
        assertThat(lateRec.calls()).isZero();

        NotifierRange o2 = begin(a, a + P);
        int calls = firstRec.calls();
        Thread remover = spawn("remove", () -> MmuNotifiers.remove(first));
        awaitSleeping(remover);
        assertThat(subs.intervals()).as("still in the tree while the period lasts").contains(first);
        subs.invalidateRangeEnd(o2);
        join(remover);
        assertThat(subs.intervals()).doesNotContain(first);
        NotifierRange after = begin(a, a + P);
        subs.invalidateRangeEnd(after);
        assertThat(firstRec.calls()).as("no callback after remove returned").isEqualTo(calls);
    }

    /** Edge case 34: an empty interval or one whose last byte overflows is -EOVERFLOW. */
    @Test
    @DisplayName("edge 34: insert with length 0 or start+length-1 overflowing: -EOVERFLOW")
    void insertOverflow() {
        assertThatThrownBy(() -> MmuNotifiers.insert(mm, a, 0, new Recorder()))
                .isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EOVERFLOW));
        assertThatThrownBy(() -> MmuNotifiers.insert(mm, -P, 2 * P, new Recorder()))
                .isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EOVERFLOW));
        MmuIntervalNotifier top = MmuNotifiers.insert(mm, -P, P, new Recorder()); // last byte = ULONG_MAX: fits
        assertThat(top.last()).isEqualTo(-1L);
    }

    /** Edge case 35: mm teardown invalidates every interval with a blockable RELEASE over [0, ULONG_MAX]. */
    @Test
    @DisplayName("edge 35: mm teardown: every interval gets a blockable RELEASE over [0, ULONG_MAX]")
    void teardownReleasesEveryInterval() {
        Recorder one = new Recorder();
        Recorder two = new Recorder();
        MmuNotifiers.insert(mm, a, P, one);
        MmuNotifiers.insert(mm, c, 16 * P, two);
        AtomicInteger released = new AtomicInteger();
        assertThat(MmuNotifiers.register(new MmuNotifier() {
            @Override
            public void release(Mm m) {
                released.incrementAndGet();
            }
        }, mm)).isZero();
        p.exit();
        for (Recorder rec : List.of(one, two)) {
            assertThat(rec.calls()).isPositive();
            NotifierRange r = rec.ranges.get(0);
            assertThat(r.event()).isEqualTo(NotifierEvent.RELEASE);
            assertThat(r.start()).isZero();
            assertThat(r.end()).as("ULONG_MAX").isEqualTo(-1L);
            assertThat(r.blockable()).isTrue();
        }
        assertThat(released.get()).isEqualTo(1);
    }
}
