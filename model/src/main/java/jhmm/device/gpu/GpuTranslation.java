package jhmm.device.gpu;

/** Where a GPU access goes after its translation: nowhere (it faults), the GPU's VRAM, or system memory over the link. */
public enum GpuTranslation {
    MISS,
    VRAM,
    SYSTEM
}
