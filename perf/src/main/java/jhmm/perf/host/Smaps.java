package jhmm.perf.host;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * THP backing as /proc/self/smaps reports it without privilege: the AnonHugePages of the
 * mappings inside a range (pagemap's huge-page flag is in kpageflags, which needs root).
 */
final class Smaps {
    private static final Path PATH = Path.of("/proc/self/smaps");

    private Smaps() {}

    /** Bytes of [start, end) backed by anonymous THPs, or -1 when smaps cannot be read. */
    static long anonHugeBytes(long start, long end) {
        return anonHugeBytes(PATH, start, end);
    }

    /** The same from an smaps file: the AnonHugePages of the mappings that lie inside [start, end). */
    static long anonHugeBytes(Path smaps, long start, long end) {
        long total = 0;
        boolean inside = false;
        try (BufferedReader r = Files.newBufferedReader(smaps)) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                int dash = line.indexOf('-');
                int space = line.indexOf(' ');
                if (dash > 0 && space > dash && isHex(line, 0, dash)) {
                    long vmStart = Long.parseUnsignedLong(line, 0, dash, 16);
                    long vmEnd = Long.parseUnsignedLong(line, dash + 1, space, 16);
                    inside = vmStart >= start && vmEnd <= end;
                } else if (inside && line.startsWith("AnonHugePages:")) {
                    total += Long.parseLong(line.substring("AnonHugePages:".length()).replace("kB", "").trim()) << 10;
                }
            }
        } catch (IOException e) {
            return -1;
        }
        return total;
    }

    private static boolean isHex(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            if (Character.digit(s.charAt(i), 16) < 0) {
                return false;
            }
        }
        return true;
    }
}
