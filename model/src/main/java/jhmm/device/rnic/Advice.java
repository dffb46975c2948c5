package jhmm.device.rnic;

/** ibv_advise_mr's advice: what a prefetch of an ODP region asks for. */
public enum Advice {
    /** IBV_ADVISE_MR_ADVICE_PREFETCH: fault the pages in, map them read-only (mlx5's DOWNGRADE). */
    PREFETCH,
    /** IBV_ADVISE_MR_ADVICE_PREFETCH_WRITE: fault them in for writing, map them writable. */
    PREFETCH_WRITE,
    /** IBV_ADVISE_MR_ADVICE_PREFETCH_NO_FAULT: map only what the CPU maps already (a snapshot). */
    PREFETCH_NO_FAULT
}
