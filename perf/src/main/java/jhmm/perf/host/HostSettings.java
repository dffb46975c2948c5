package jhmm.perf.host;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The host kernel's mm settings that the model follows, read from /sys and /proc (plain file
 * reads), as the words of a scenario's {@code machine} line. A setting that cannot be read takes
 * the kernel's default, and {@link #notes()} says so.
 *
 * @param kernelRelease    /proc/sys/kernel/osrelease, e.g. {@code 6.18.0}
 * @param thp              transparent_hugepage/enabled: always, madvise or never
 * @param thpDefrag        transparent_hugepage/defrag: always, defer, defer+madvise, madvise or never
 * @param thpZeroPage      transparent_hugepage/use_zero_page
 * @param maxPtesNone      transparent_hugepage/khugepaged/max_ptes_none
 * @param shmemThp         transparent_hugepage/shmem_enabled: always, within_size, advise, never, deny or force
 * @param faultAroundBytes debugfs fault_around_bytes
 * @param swapBytes        the total size of the swap areas in /proc/swaps, in whole pages
 * @param notes            what was not readable and which default stands for it
 */
public record HostSettings(String kernelRelease, String thp, String thpDefrag, boolean thpZeroPage, int maxPtesNone,
        String shmemThp, int faultAroundBytes, long swapBytes, List<String> notes) {
    private static final String THP_DIR = "sys/kernel/mm/transparent_hugepage/";
    private static final Pattern SELECTED = Pattern.compile("\\[([^\\]]+)\\]");
    private static final Pattern VERSION = Pattern.compile("^(\\d+)\\.(\\d+)");
    private static final int PAGE = 4096;

    public HostSettings {
        notes = List.copyOf(notes);
    }

    /** Reads the running host's settings. */
    public static HostSettings read() {
        return read(Path.of("/"));
    }

    /** Reads the settings of the file tree at {@code root} (a copy of /sys and /proc, for tests). */
    public static HostSettings read(Path root) {
        Reader r = new Reader(root);
        String release = r.text("proc/sys/kernel/osrelease").orElseGet(() -> {
            r.notes.add("kernel release unreadable: taken from os.version");
            return System.getProperty("os.version");
        });
        return new HostSettings(release,
                r.selected("enabled", "madvise"),
                r.selected("defrag", "madvise"),
                r.number(THP_DIR + "use_zero_page", "use_zero_page", 1) != 0,
                (int) r.number(THP_DIR + "khugepaged/max_ptes_none", "max_ptes_none", 511),
                r.selected("shmem_enabled", "never"),
                (int) r.number("sys/kernel/debug/fault_around_bytes", "fault_around_bytes", 65536),
                r.swapBytes(),
                r.notes);
    }

    /**
     * Whether splitting an anonymous THP maps its all-zero subpages to the shared zero page:
     * Linux 6.12 and later.
     */
    public boolean thpSplitZero() {
        Matcher m = VERSION.matcher(kernelRelease);
        if (!m.find()) {
            return true; // an unparseable release: assume a current kernel
        }
        int major = Integer.parseInt(m.group(1));
        int minor = Integer.parseInt(m.group(2));
        return major > 6 || (major == 6 && minor >= 12);
    }

    /** The {@code machine} line options that make the model behave as this host. */
    public String machineOptions() {
        return String.join(" ",
                "thp=" + thp,
                "thp-defrag=" + thpDefrag,
                "thp-zero-page=" + onOff(thpZeroPage),
                "max-ptes-none=" + maxPtesNone,
                "shmem-thp=" + shmemThp,
                "fault-around=" + faultAroundBytes,
                "swap=" + swapBytes,
                "thp-split-zero=" + onOff(thpSplitZero()));
    }

    /** One line for a person: the kernel and its settings, and what was defaulted. */
    public String describe() {
        String line = "Linux " + kernelRelease + ": THP enabled=" + thp + " defrag=" + thpDefrag
                + " use_zero_page=" + (thpZeroPage ? 1 : 0) + " max_ptes_none=" + maxPtesNone
                + " shmem_enabled=" + shmemThp + ", fault_around_bytes=" + faultAroundBytes
                + ", swap " + (swapBytes == 0 ? "none" : (swapBytes >> 10) + "K")
                + ", THP split maps zero subpages to the zero page: " + (thpSplitZero() ? "yes" : "no");
        return notes.isEmpty() ? line : line + " (" + String.join("; ", notes) + ")";
    }

    private static String onOff(boolean on) {
        return on ? "on" : "off";
    }

    /** Reads files under the root and remembers which ones fell back to a default. */
    private static final class Reader {
        private final Path root;
        private final List<String> notes = new ArrayList<>();

        Reader(Path root) {
            this.root = root;
        }

        Optional<String> text(String path) {
            try {
                return Optional.of(Files.readString(root.resolve(path)).strip());
            } catch (IOException | SecurityException e) {
                return Optional.empty();
            }
        }

        /** The bracketed choice of a sysfs selector file such as {@code always [madvise] never}. */
        String selected(String name, String otherwise) {
            Optional<String> word = text(THP_DIR + name).map(SELECTED::matcher).filter(Matcher::find).map(m -> m.group(1));
            if (word.isEmpty()) {
                notes.add(name + " unreadable: kernel default " + otherwise);
            }
            return word.orElse(otherwise);
        }

        long number(String path, String name, long otherwise) {
            Optional<Long> n = text(path).flatMap(Reader::parse);
            if (n.isEmpty()) {
                notes.add(name + " unreadable: kernel default " + otherwise);
            }
            return n.orElse(otherwise);
        }

        private static Optional<Long> parse(String s) {
            try {
                return Optional.of(Long.parseLong(s));
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        }

        /** The sizes (KiB, third column) of the swap areas listed after the header line, rounded down to pages. */
        long swapBytes() {
            Optional<String> swaps = text("proc/swaps");
            if (swaps.isEmpty()) {
                notes.add("/proc/swaps unreadable: no swap");
                return 0;
            }
            long total = swaps.get().lines().skip(1).map(l -> l.trim().split("\\s+"))
                    .filter(f -> f.length >= 3).mapToLong(f -> parse(f[2]).orElse(0L) << 10).sum();
            return total / PAGE * PAGE;
        }
    }
}
