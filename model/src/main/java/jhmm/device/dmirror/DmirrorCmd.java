package jhmm.device.dmirror;

/**
 * struct hmm_dmirror_cmd: what the test device's ioctls take and give back. {@code ptr} is
 * the user buffer: filled by READ, EXCLUSIVE and SNAPSHOT (one byte per page), read by WRITE.
 * {@code cpages} and {@code faults} come back only when the command succeeds.
 */
public final class DmirrorCmd {
    public long addr;
    public long npages;
    public byte[] ptr;
    public long cpages;
    public long faults;

    public DmirrorCmd(long addr, long npages, byte[] ptr) {
        this.addr = addr;
        this.npages = npages;
        this.ptr = ptr;
    }
}
