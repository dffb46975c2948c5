package jhmm.device.gpu;

/**
 * When the fault servicer tells the GPU to replay its stalled accesses
 * (uvm_perf_fault_replay_policy, nvidia-uvm's uvm_gpu_replayable_faults.h).
 */
public enum ReplayPolicy {
    /** After each 2 MiB block of a batch has been serviced. */
    BLOCK,
    /** After each batch. */
    BATCH,
    /** After each batch, once the fault buffer has been flushed of what the replay will raise again (the default). */
    BATCH_FLUSH,
    /** Once, after the whole buffer has been serviced. */
    ONCE
}
