package jhmm.mm;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import jhmm.base.PageSize;
import jhmm.base.Pattern;
import jhmm.kernel.Machine;
import jhmm.kernel.MachineConfig;
import jhmm.kernel.UserProcess;
import jhmm.phys.PageFrames;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * remove_migration_ptes on a THP migrated through one PMD migration entry, when that PMD is
 * split between the walk's look at it and the page-table lock the restore takes: a MADV_DONTNEED
 * of part of it, or a device migration collecting a page near it, splits it (__split_huge_pmd
 * turns a PMD migration entry into 512 PTE ones). page_vma_mapped_walk then goes on at PTE
 * level. A restore that looked only at the PMD left the 512 entries, and every later fault
 * there retried until {@code jhmm stress} reported a livelock (seed 2, after 29 million
 * operations). The interleaving is forced: the test holds the PMD lock until the restoring
 * thread waits for it, then splits the PMD.
 */
class RestoreSplitPmdTest {
    private static final long P = PageSize.PAGE_SIZE;
    private static final long M2 = PageSize.PMD_SIZE;

    @Test
    @DisplayName("a PMD migration entry split under the restore's walk is restored at PTE level")
    void restoreFindsTheEntriesOfAPmdSplitUnderIt() throws Exception {
        Machine machine = new Machine(MachineConfig.defaults().withRam(16L << 20).withThp(ThpMode.ALWAYS));
        UserProcess proc = machine.createProcess("p");
        long a = proc.mmapAligned(M2, M2, Mman.PROT_READ | Mman.PROT_WRITE, Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS, null, 0);
        assertThat(proc.write(a, M2, Pattern.i32(5), a)).isZero();
        Mm mm = proc.mm();
        MemorySystem sys = machine.memory();
        PageFrames f = sys.phys.frames();
        long pmd = mm.pt.pmd(a);
        assertThat(Pte.leaf(pmd) && Pte.present(pmd)).as("a THP mapped by a PMD").isTrue();
        int head = Pte.pfn(pmd);
        // migrate_pages up to its unmap: the folio locked and held, its PMD a migration entry
        assertThat(f.tryLock(head)).isTrue();
        sys.phys.get(head);
        assertThat(sys.rmap.replaceMappings(head, Migrate::migrationEntry, NotifierEvent.CLEAR)).isOne();
        assertThat(Pte.isMigration(mm.pt.pmd(a))).isTrue();

        // the restore (here of a migration that gave up: the entries map the folio again)
        // looks at the PMD, then waits for the PMD lock the test holds
        ReentrantLock pmdLock = mm.pmdLock(a);
        Thread restore = new Thread(() -> sys.rmap.restoreMigrationEntries(head, head), "restore");
        try {
            restore.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!pmdLock.hasQueuedThread(restore) && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertThat(pmdLock.hasQueuedThread(restore)).as("the restore waits for the PMD lock").isTrue();
            sys.huge.splitPmdLocked(mm.findVma(a), a, false);
            assertThat(Pte.isMigration(mm.pt.pte(a + P))).as("the split made PTE migration entries").isTrue();
        } finally {
            pmdLock.unlock();
        }
        restore.join(10_000);
        f.unlock(head);
        sys.phys.put(head);

        int left = 0;
        for (long p = a; p < a + M2; p += P) {
            left += Pte.isMigration(PageStates.entryAt(mm, p)) ? 1 : 0;
        }
        assertThat(left).as("migration entries left").isZero();
        byte[] back = new byte[(int) M2];
        byte[] want = new byte[(int) M2];
        Pattern.i32(5).fill(0, want, 0, want.length);
        assertThat(proc.read(a, back, 0, back.length)).isZero();
        assertThat(back).isEqualTo(want);
        assertThat(machine.checkInvariants()).isEmpty();
    }
}
