package jhmm.sim.engine;

/**
 * Something that advances simulated time: a warp, the driver's fault bottom half, the CPU. It
 * keeps its own state in fields and has at most one wakeup pending in the engine.
 */
public interface Actor {
    /** Runs at the time the actor was scheduled for ({@link Engine#now()}). */
    void wake(Engine engine);
}
