package jhmm.diff;

import jhmm.kernel.Process;
import jhmm.mm.ProcPagemap;
import jhmm.scenario.ModelStepper;

/** The model's pages, read the way the host's are: through its pagemap, scan categories and kpageflags. */
final class ModelPages implements PageSource {
    private final ModelStepper model;

    ModelPages(ModelStepper model) {
        this.model = model;
    }

    @Override
    public long[] pagemap(String process, long addr, int pages) {
        Process p = model.process(process);
        long[] out = new long[pages];
        for (int i = 0; i < pages; i++) {
            out[i] = ProcPagemap.entry(p.mm(), addr + ((long) i << 12));
        }
        return out;
    }

    @Override
    public int[] categories(String process, long addr, int pages) {
        Process p = model.process(process);
        int[] out = new int[pages];
        for (int i = 0; i < pages; i++) {
            out[i] = ProcPagemap.scanCategories(p.mm(), addr + ((long) i << 12));
        }
        return out;
    }

    @Override
    public long kpageflags(long pfn) {
        return ProcPagemap.kpageflags(model.machine().physicalMemory(), (int) pfn);
    }

    @Override
    public boolean framesVisible() {
        return true;
    }
}
