package jhmm.phys;

/**
 * A device's memory as struct pages (struct dev_pagemap): its kind, the owner cookie HMM and
 * migration compare against, and the first frame and size of its PFN range.
 */
public final class DevPagemap {
    /** MEMORY_DEVICE_PRIVATE or MEMORY_DEVICE_COHERENT. */
    public enum Type {
        /** Not addressable by the CPU: CPU entries become device-private swap entries. */
        PRIVATE,
        /** Addressable and cache-coherent: mapped by ordinary PTEs. */
        COHERENT
    }

    /** The driver's callback (dev_pagemap_ops.folio_free): a device folio's last reference is gone. */
    @FunctionalInterface
    public interface FolioFree {
        void folioFree(int head, int order);
    }

    private final Type type;
    private final Object owner;
    private final FolioFree ops;
    int firstPfn;
    int nrPages;

    public DevPagemap(Type type, Object owner, FolioFree ops) {
        this.type = type;
        this.owner = owner;
        this.ops = ops;
    }

    FolioFree ops() {
        return ops;
    }

    public Type type() {
        return type;
    }

    public Object owner() {
        return owner;
    }

    public int firstPfn() {
        return firstPfn;
    }

    public int nrPages() {
        return nrPages;
    }

    public boolean contains(int pfn) {
        return pfn >= firstPfn && pfn < firstPfn + nrPages;
    }
}
