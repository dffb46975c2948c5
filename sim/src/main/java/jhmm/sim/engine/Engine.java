package jhmm.sim.engine;

import java.util.ArrayList;
import java.util.List;

/**
 * The discrete-event engine: a clock in picoseconds and the actors' pending wakeups. It pops the
 * earliest wakeup, sets the clock to it and wakes its actor; it refuses a wakeup in the past and
 * keeps at most one pending per actor. Same-time wakeups run by phase, then in the order they
 * were scheduled, so two runs of one setup give the same figures. Wall time is never read.
 */
public final class Engine {
    private final EventQueue queue = new EventQueue();
    private final List<Actor> actors = new ArrayList<>();
    private boolean[] pending = new boolean[16];
    private long now;
    private long seq;
    private long events;
    private boolean stopped;

    /** Adds an actor; returns its index for {@link #schedule}. */
    public int register(Actor a) {
        if (actors.size() == EventQueue.MAX_ACTORS) {
            throw new IllegalStateException("at most " + EventQueue.MAX_ACTORS + " actors");
        }
        actors.add(a);
        if (actors.size() > pending.length) {
            pending = java.util.Arrays.copyOf(pending, pending.length * 2);
        }
        return actors.size() - 1;
    }

    public long now() {
        return now;
    }

    /** The time of the earliest pending wakeup, or {@link Long#MAX_VALUE} when none is pending. */
    public long peekTime() {
        return queue.size() == 0 ? Long.MAX_VALUE : queue.peekTime();
    }

    /**
     * Wakes {@code actor} at {@code time}; same-time wakeups of a lower {@code phase} (0 to 7) run
     * first. Returns false, and changes nothing, when the actor already has a wakeup pending.
     *
     * @throws IllegalArgumentException for a time before now
     */
    public boolean schedule(int actor, long time, int phase) {
        if (time < now) {
            throw new IllegalArgumentException("wakeup at " + time + " ps is before now, " + now + " ps");
        }
        if (phase < 0 || phase >= EventQueue.PHASES) {
            throw new IllegalArgumentException("phase " + phase + " is not 0 to " + (EventQueue.PHASES - 1));
        }
        if (pending[actor]) {
            return false;
        }
        pending[actor] = true;
        queue.push(time, EventQueue.tie(phase, seq++, actor));
        return true;
    }

    public boolean isPending(int actor) {
        return pending[actor];
    }

    /** Makes {@link #run} return after the wakeup running now (a run that cannot go on). */
    public void stop() {
        stopped = true;
    }

    /** Runs until no wakeup is pending, or {@link #stop}; returns the time of the last wakeup. */
    public long run() {
        while (queue.size() > 0 && !stopped) {
            now = queue.peekTime();
            int actor = queue.pop();
            pending[actor] = false;
            events++;
            actors.get(actor).wake(this);
        }
        return now;
    }

    /** Wakeups run so far. */
    public long events() {
        return events;
    }
}
