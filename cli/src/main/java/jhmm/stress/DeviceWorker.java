package jhmm.stress;

import java.util.SplittableRandom;
import jhmm.device.dmirror.Dmirror;
import jhmm.device.dmirror.DmirrorCmd;

/**
 * One device thread: through the test driver, mirrors (hmm_range_fault under the interval
 * notifier's sequence protocol), snapshots and migrates random ranges of the CPU threads'
 * slots to its memory and back, and now and then evicts all of its memory. What it reads must
 * be whole pages some CPU thread stored (or zeros); its errors are whatever a range unmapped
 * or protected meanwhile gives.
 */
final class DeviceWorker {
    private static final int MAX_PAGES = 16;

    private final String name;
    private final Dmirror mirror;
    private final Slot[] slots;
    /** Whether it migrates and evicts too, or only mirrors (read, snapshot). */
    private final boolean migrates;
    private final SplittableRandom rnd;
    private final Violations violations;
    private final byte[] buf = new byte[MAX_PAGES << 12];

    /** {@code slots}: every CPU thread's, of which only the fixed addresses and sizes are read. */
    DeviceWorker(String name, Dmirror mirror, Slot[] slots, boolean migrates, SplittableRandom rnd, Violations violations) {
        this.name = name;
        this.mirror = mirror;
        this.slots = slots;
        this.migrates = migrates;
        this.rnd = rnd;
        this.violations = violations;
    }

    void step() {
        Slot s = slots[rnd.nextInt(slots.length)];
        int first = rnd.nextInt(s.pages);
        int n = 1 + rnd.nextInt(Math.min(MAX_PAGES, s.pages - first));
        DmirrorCmd cmd = new DmirrorCmd(s.pageAddr(first), n, buf);
        int op = rnd.nextInt(1000);
        if (!migrates) {
            op = op < 700 ? 0 : 900; // read or snapshot
        }
        if (op < 400) {
            checkWhole("read", mirror.read(cmd), n);
        } else if (op < 650) {
            checkWhole("migrate-to-dev", mirror.migrateToDev(cmd), n);
        } else if (op < 850) {
            mirror.migrateToSys(cmd);
        } else if (op < 995) {
            mirror.snapshot(cmd);
        } else {
            mirror.release(cmd);
        }
    }

    private void checkWhole(String what, int ret, int n) {
        if (ret != 0) {
            return; // the range was unmapped, protected or (for a migration) pinned meanwhile
        }
        for (int i = 0; i < n; i++) {
            if (!PageCheck.whole(buf, i)) {
                violations.add(String.format("%s: %s got page %d of its range torn or foreign", name, what, i));
            }
        }
    }
}
