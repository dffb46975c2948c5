package jhmm.diff;

import java.util.Arrays;
import jhmm.mm.Mm;
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
        Mm mm = model.process(process).mm();
        long[] out = new long[pages];
        Arrays.setAll(out, i -> ProcPagemap.entry(mm, addr + ((long) i << 12)));
        return out;
    }

    @Override
    public int[] categories(String process, long addr, int pages) {
        Mm mm = model.process(process).mm();
        int[] out = new int[pages];
        Arrays.setAll(out, i -> ProcPagemap.scanCategories(mm, addr + ((long) i << 12)));
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
