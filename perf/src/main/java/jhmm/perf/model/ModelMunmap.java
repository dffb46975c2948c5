package jhmm.perf.model;

import jhmm.base.PageSize;
import jhmm.device.dmirror.Dmirror;
import jhmm.device.dmirror.DmirrorCmd;
import jhmm.device.dmirror.DmirrorDevice;
import jhmm.perf.Kind;

/**
 * munmap in the model with a mirroring device attached: the test device (dmirror) is opened
 * on the process and, before each timed munmap, reads the whole range (HMM_DMIRROR_READ in
 * 2 MiB commands), so that every page is in its page table and the munmap's invalidation has
 * a device table to clear, not just the CPU's.
 */
public final class ModelMunmap extends ModelOp {
    private static final int CHUNK = (int) PageSize.PMD_SIZE;
    private final Dmirror mirror;
    private final byte[] buffer = new byte[CHUNK];

    public ModelMunmap(Kind kind, long len) {
        super(kind, len);
        mirror = new DmirrorDevice("perf-dmirror", DmirrorDevice.MemoryType.NONE).open(range.process.mm());
    }

    @Override
    public void prepare() {
        range.mapPopulated();
        long end = range.addr + range.len;
        for (long a = range.addr; a < end; a += CHUNK) {
            long chunkPages = Math.min(CHUNK, end - a) >>> PageSize.PAGE_SHIFT;
            DmirrorCmd cmd = new DmirrorCmd(a, chunkPages, buffer);
            ModelRange.check(mirror.read(cmd), "HMM_DMIRROR_READ");
            if (cmd.cpages != chunkPages) {
                throw new IllegalStateException("the device mirrored " + cmd.cpages + " of " + chunkPages + " pages");
            }
        }
    }

    @Override
    public void run() {
        ret = range.process.munmap(range.addr, range.len);
    }

    @Override
    public void finish() {
        ModelRange.check(ret, "munmap");
        long rss = range.process.mm().rss();
        if (rss != 0) {
            throw new IllegalStateException("munmap left " + rss + " pages resident");
        }
        if (!mirror.staleEntries().isEmpty()) {
            throw new IllegalStateException("the device still mirrors unmapped pages: " + mirror.staleEntries().getFirst());
        }
    }

    @Override
    public void close() {
        mirror.close();
        super.close();
    }
}
