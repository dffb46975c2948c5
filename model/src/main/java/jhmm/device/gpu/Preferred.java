package jhmm.device.gpu;

/** A range's preferred location (cudaMemAdviseSetPreferredLocation, amdkfd's preferred_loc). */
public enum Preferred {
    /** Migrate to VRAM on a GPU fault, whatever the policy's default. */
    VRAM,
    /** Keep in system memory and map it remotely; only an explicit prefetch moves it. */
    SYS
}
