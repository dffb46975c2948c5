package jhmm.scenario;

import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongFunction;
import jhmm.base.ByteSize;
import jhmm.base.PageSize;
import jhmm.device.dmirror.Dmirror;
import jhmm.device.dmirror.DmirrorDevice;
import jhmm.kernel.Machine;
import jhmm.kernel.UserProcess;
import jhmm.mm.MmStats;
import jhmm.mm.Vma;
import jhmm.mm.VmFlags;
import jhmm.phys.HugetlbPool;
import jhmm.phys.PhysicalMemory;

/**
 * What {@code show} prints: a process's VMAs with each page's state (as {@code /proc/PID/smaps}
 * and pagemap show them, equal pages run together), a device's page table, or the machine's
 * memory and counters. Pages are named as {@code expect} names them: a mapping and an offset
 * in it, states in {@code state=} words.
 */
final class Shows {
    private static final long PAGE = PageSize.PAGE_SIZE;
    private final World world;
    private final Transcript transcript;

    Shows(World world, Transcript transcript) {
        this.world = world;
        this.transcript = transcript;
    }

    Result show(ShowCommand command) {
        transcript.shown(switch (command) {
            case ShowCommand.OfProcess p -> process(p);
            case ShowCommand.Device d -> device(d.device());
            case ShowCommand.Machine m -> machine();
        });
        return Result.OK;
    }

    /** {@code show P} of every process, in the order they were created. */
    String everyProcess() {
        StringBuilder out = new StringBuilder();
        for (String name : world.processes().keySet()) {
            out.append(process(new ShowCommand.OfProcess(name, Optional.empty())));
        }
        return out.toString();
    }

    private String process(ShowCommand.OfProcess show) {
        UserProcess p = world.process(show.process());
        if (p.exited()) {
            return "process " + show.process() + ": exited\n";
        }
        long from = 0;
        long to = -1L;
        if (show.mapping().isPresent()) {
            Mapping m = world.mapping(new Target(show.process(), show.mapping().get()));
            from = m.start();
            to = m.start() + m.length();
        }
        List<Vma> vmas = p.mm().allVmas().stream().sorted(Comparator.comparingLong(Vma::start)).toList();
        StringBuilder out = new StringBuilder("process " + show.process() + ": " + vmas.size()
                + (vmas.size() == 1 ? " VMA, " : " VMAs, ")
                + p.mm().rss() + " pages resident\n");
        LongFunction<String> where = where(show.process(), show.mapping());
        for (Vma v : vmas) {
            long start = Math.max(v.start(), from);
            long end = to < 0 ? v.end() : Math.min(v.end(), to);
            if (start >= end) {
                continue;
            }
            out.append(String.format(Locale.ROOT, "  %x-%x %s %s %s%n", v.start(), v.end(), perms(v), kind(v),
                    SizeWords.format(v.end() - v.start())));
            for (long a = start; a < end; ) {
                String state = p.pageState(a).word();
                long b = a + PAGE;
                while (b < end && p.pageState(b).word().equals(state)) {
                    b += PAGE;
                }
                out.append("    ").append(where.apply(a)).append(" len=").append(SizeWords.format(b - a))
                        .append(" state=").append(state).append('\n');
                a = b;
            }
        }
        return out.toString();
    }

    /**
     * How a page's address reads: {@code M OFF} in the mapping {@code only} or, without it, in
     * the named mapping that starts nearest below it; the bare address where no name covers it.
     */
    private LongFunction<String> where(String process, Optional<String> only) {
        return where(world, process, only);
    }

    /** As {@link #where(String, Optional)}, for any mapping of {@code process}: for other devices' show. */
    static LongFunction<String> where(World world, String process) {
        return where(world, process, Optional.empty());
    }

    private static LongFunction<String> where(World world, String process, Optional<String> only) {
        Map<String, Mapping> names = world.liveMappingsOf(process);
        return addr -> names.entrySet().stream()
                .filter(e -> only.map(e.getKey()::equals).orElse(true))
                .filter(e -> addr >= e.getValue().start() && addr - e.getValue().start() < e.getValue().length())
                .max(Comparator.comparingLong(e -> e.getValue().start()))
                .map(e -> e.getKey() + " " + SizeWords.format(addr - e.getValue().start()))
                .orElse(String.format(Locale.ROOT, "%x", addr));
    }

    /** r, w, x, then p for private or s for shared, as smaps writes them. */
    private static String perms(Vma v) {
        return (v.has(VmFlags.READ) ? "r" : "-") + (v.has(VmFlags.WRITE) ? "w" : "-") + (v.has(VmFlags.EXEC) ? "x" : "-")
                + (v.has(VmFlags.SHARED) ? "s" : "p");
    }

    private static String kind(Vma v) {
        if (v.isHugetlb()) {
            return "hugetlb";
        }
        if (v.isSpecial()) {
            return "device";
        }
        if (v.file() == null) {
            return "anon";
        }
        // Shared anonymous memory is a shmem file, as smaps shows it ("/dev/zero (deleted)").
        return v.file().isShmem() ? "shmem" : "file " + v.file().name();
    }

    private String device(String name) {
        Optional<String> registered = world.showText(name);
        if (registered.isPresent()) {
            return registered.get();
        }
        Devices devices = world.devices();
        DmirrorDevice d = devices.device(name);
        StringBuilder out = new StringBuilder("device " + name + ": dmirror, memory="
                + d.memoryType().name().toLowerCase(Locale.ROOT) + ", " + d.pagesInUse() + " device pages in use");
        Optional<Dmirror> mirror = devices.openMirror(name);
        if (mirror.isEmpty()) {
            return out.append(", not open\n").toString();
        }
        String process = devices.openedBy(name);
        List<Dmirror.TableEntry> table = mirror.get().table();
        out.append(", open on ").append(process).append(", ").append(table.size()).append(" pages mirrored\n");
        LongFunction<String> where = where(process, Optional.empty());
        int ramFrames = world.machine().physicalMemory().nrFrames();
        for (int i = 0; i < table.size(); ) {
            Dmirror.TableEntry first = table.get(i);
            int j = i + 1;
            while (j < table.size() && sameRun(first, table.get(j), j - i, ramFrames)) {
                j++;
            }
            out.append("    ").append(where.apply(first.addr())).append(" len=").append(SizeWords.format((j - i) * PAGE))
                    .append(' ').append(first.access()).append(first.pfn() >= ramFrames ? " device memory" : " system memory")
                    .append('\n');
            i = j;
        }
        devices.dmaMappingsOf(name).forEach(t -> out.append("  dma-map of ").append(t).append('\n'));
        return out.toString();
    }

    /** {@code next} continues the run {@code first} starts, {@code n} pages on: same access, the same kind of memory. */
    private static boolean sameRun(Dmirror.TableEntry first, Dmirror.TableEntry next, int n, int ramFrames) {
        return next.addr() == first.addr() + n * PAGE && next.access().equals(first.access())
                && (next.pfn() >= ramFrames) == (first.pfn() >= ramFrames);
    }

    private String machine() {
        Machine m = world.machine();
        PhysicalMemory phys = m.physicalMemory();
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT,
                "machine: ram %s, %d of %d pages free, swap %d of %d pages used, thp=%s, iommu=%s%n",
                ByteSize.format(m.config().ramBytes()), phys.buddy().freePages(), phys.nrFrames(),
                m.memory().swap().usedSlots(), m.memory().swap().slots(),
                m.config().thp().name().toLowerCase(Locale.ROOT), m.config().iommu() ? "on" : "off"));
        for (int order : new int[] {PageSize.PMD_ORDER, PageSize.PUD_ORDER}) {
            HugetlbPool pool = phys.hugetlbPool(order);
            if (pool != null && pool.total() > 0) {
                out.append(String.format(Locale.ROOT, "  hugetlb %s: %d of %d free%n",
                        SizeWords.format(PAGE << order), pool.nrFree(), pool.total()));
            }
        }
        out.append("  counters:");
        counters(m.stats()).forEach((k, v) -> out.append(' ').append(k).append('=').append(v));
        return out.append('\n').toString();
    }

    /** The machine's event counters under their /proc/vmstat names. */
    private static Map<String, Long> counters(MmStats s) {
        Map<String, Long> out = new LinkedHashMap<>();
        out.put("pgfault", s.pageFaults.get());
        out.put("cow", s.cowCopies.get());
        out.put("thp_fault_alloc", s.thpFaultAlloc.get());
        out.put("thp_fault_fallback", s.thpFaultFallback.get());
        out.put("thp_split_pmd", s.thpSplitPmd.get());
        out.put("thp_split_page", s.thpSplitPage.get());
        out.put("thp_deferred_split_page", s.thpDeferredSplitPage.get());
        out.put("thp_collapse_alloc", s.thpCollapseAlloc.get());
        out.put("pswpout", s.pswpout.get());
        out.put("pswpin", s.pswpin.get());
        out.put("pgmigrate_success", s.pgmigrateSuccess.get());
        out.put("pgmigrate_fail", s.pgmigrateFail.get());
        out.put("migrate_blocked_by_refs", s.migrateBlockedByRefs.get());
        out.put("compact_migrated", s.compactMigrated.get());
        out.put("compact_blocked", s.compactBlocked.get());
        out.put("fork_pinned_copies", s.forkPinnedCopies.get());
        return out;
    }
}
