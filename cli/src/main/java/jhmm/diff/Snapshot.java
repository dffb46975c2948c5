package jhmm.diff;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import jhmm.mm.ProcPagemap;
import jhmm.scenario.Mapping;

/** Every page of every live mapping as one side shows it after one command. */
record Snapshot(List<MappingView> mappings) {
    /** A mapping a snapshot lists: which process, which name, where (model addresses). */
    record Place(String process, String mapping, Mapping where) {}

    /**
     * Reads {@code places} from {@code source}. Pages that map one frame share the index of
     * the first of them, counted across the whole snapshot, so that copy-on-write sharing after
     * a fork and page-cache sharing compare without comparing frame numbers.
     */
    static Snapshot read(PageSource source, List<Place> places) {
        List<MappingView> views = new ArrayList<>(places.size());
        Map<Long, Integer> firstByFrame = new HashMap<>();
        int index = 0;
        for (Place p : places) {
            int pages = (int) ((p.where().length() + 4095) >>> 12);
            long[] pm = source.pagemap(p.process(), p.where().start(), pages);
            int[] cats = source.categories(p.process(), p.where().start(), pages);
            int[] codes = new int[pages];
            int[] sharer = new int[pages];
            for (int i = 0; i < pages; i++, index++) {
                long pfn = pm[i] & ProcPagemap.PM_PFN_MASK;
                boolean framed = source.framesVisible() && (pm[i] & ProcPagemap.PM_PRESENT) != 0 && pfn != 0;
                codes[i] = PageCodes.of(pm[i], cats[i], framed ? source.kpageflags(pfn) : 0);
                sharer[i] = -1;
                if (framed && (codes[i] & PageCodes.KIND) == PageCodes.PRESENT) {
                    Integer first = firstByFrame.putIfAbsent(pfn, index);
                    sharer[i] = first == null ? index : first;
                }
            }
            views.add(new MappingView(p.process(), p.mapping(), p.where().start(), p.where().length(), codes, sharer));
        }
        return new Snapshot(views);
    }
}
