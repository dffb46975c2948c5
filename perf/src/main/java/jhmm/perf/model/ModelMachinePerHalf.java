package jhmm.perf.model;

import jhmm.perf.Halves;

/**
 * The threads row's control: each half is the whole range of a process on a machine of its
 * own, so two threads share nothing of the model. Its scaling is what this host gives the
 * model's code at all (cores, caches, memory bandwidth); the shared process's scaling can
 * only come near it.
 */
public final class ModelMachinePerHalf implements Halves {
    private final ModelHalves[] halves = new ModelHalves[2];

    /** Two machines, each with a range of half of {@code len}. */
    public ModelMachinePerHalf(long len) {
        for (int i = 0; i < 2; i++) {
            halves[i] = new ModelHalves(len / 2);
        }
    }

    @Override
    public void map() {
        for (ModelHalves h : halves) {
            h.map();
        }
    }

    @Override
    public void populate(int i) {
        halves[i].populate(ModelHalves.WHOLE);
    }

    @Override
    public void unmap(int i) {
        halves[i].unmap(ModelHalves.WHOLE);
    }

    @Override
    public void check() {
        for (ModelHalves h : halves) {
            h.check();
        }
    }

    @Override
    public void close() {
        for (ModelHalves h : halves) {
            h.close();
        }
    }
}
