package jhmm.diff.host;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** A process's VMAs as /proc/PID/maps lists them, asked what a CPU access could reach. */
final class HostMaps {
    private HostMaps() {}

    /**
     * How many bytes from {@code addr} a CPU access of {@code len} bytes reaches before it
     * would fault: on x86 a store needs a writable VMA, a load one that is readable, writable
     * or executable (PROT_WRITE implies read access there); a hole stops both.
     */
    static long accessible(int pid, long addr, long len, boolean write) {
        List<String> maps;
        try {
            maps = Files.readAllLines(Path.of("/proc/" + pid + "/maps"));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read /proc/" + pid + "/maps: " + e.getMessage(), e);
        }
        long cur = addr;
        long end = addr + len;
        boolean progress = true;
        while (cur < end && progress) {
            progress = false;
            for (String line : maps) {
                int dash = line.indexOf('-');
                int space = line.indexOf(' ');
                long lo = Long.parseUnsignedLong(line, 0, dash, 16);
                long hi = Long.parseUnsignedLong(line, dash + 1, space, 16);
                if (lo <= cur && cur < hi && allows(line.substring(space + 1, space + 4), write)) {
                    cur = Math.min(hi, end);
                    progress = true;
                    break;
                }
            }
        }
        return cur - addr;
    }

    private static boolean allows(String perms, boolean write) {
        return write ? perms.charAt(1) == 'w' : perms.indexOf('r') >= 0 || perms.indexOf('w') >= 0 || perms.indexOf('x') >= 0;
    }
}
