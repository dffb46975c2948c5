package jhmm.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import jhmm.base.Errno;
import jhmm.base.Pattern;
import jhmm.mm.ThpMode;
import org.junit.jupiter.api.Test;

/** Page migration and compaction (mm/migrate.c, mm/compaction.c). */
class MigrationTest {
    private static final long P = MachineFixture.P;

    @Test
    void migrationMovesThePageAndKeepsItsData() {
        MachineFixture t = new MachineFixture();
        long a = t.anon(t.p, 4 * P, MachineFixture.RW);
        t.p.write(a, 4 * P, Pattern.i32(0), a);
        int before = t.p.frameAt(a);
        assertThat(t.machine.migrate(t.p, a, 4 * P)).isZero();
        assertThat(t.p.frameAt(a)).isNotEqualTo(before);
        MachineFixture.assertReads(t.p, a, 4 * P, Pattern.i32(0), a);
        t.assertCoherent();
    }

    @Test
    void migrationOfAPageWithAnExtraReferenceFailsAndLeavesItInPlace() {
        MachineFixture t = new MachineFixture();
        long a = t.anon(t.p, P, MachineFixture.RW);
        t.p.write(a, P, Pattern.i32(0), a);
        int pfn = t.p.frameAt(a);
        t.machine.physicalMemory().getExternal(pfn);
        assertThat(t.machine.migrate(t.p, a, P)).isEqualTo(-Errno.EAGAIN);
        assertThat(t.p.frameAt(a)).isEqualTo(pfn);
        assertThat(t.machine.stats().migrateBlockedByRefs.get()).isEqualTo(1);
        MachineFixture.assertReads(t.p, a, P, Pattern.i32(0), a);
        t.assertCoherent();
        t.machine.physicalMemory().putExternal(pfn);
        assertThat(t.machine.migrate(t.p, a, P)).isZero();
        assertThat(t.p.frameAt(a)).isNotEqualTo(pfn);
        t.assertCoherent();
    }

    @Test
    void aThpMigratesWhole() {
        MachineFixture t = MachineFixture.withThp(ThpMode.ALWAYS);
        long a = t.anonAligned(t.p, MachineFixture.M2, MachineFixture.M2);
        t.p.write(a, MachineFixture.M2, Pattern.i32(0), a);
        int before = t.p.frameAt(a);
        assertThat(t.machine.migrate(t.p, a, MachineFixture.M2)).isZero();
        assertThat(t.p.frameAt(a)).isNotEqualTo(before);
        assertThat(t.p.pageState(a)).hasToString("HUGE_PMD");
        MachineFixture.assertReads(t.p, a, MachineFixture.M2, Pattern.i32(0), a);
        t.assertCoherent();
    }

    @Test
    void compactionMovesPagesUpAndIsBlockedByPins() {
        MachineFixture t = new MachineFixture();
        long a = t.anon(t.p, 64 * P, MachineFixture.RW);
        t.p.write(a, 64 * P, Pattern.i32(0), a);
        UserProcess child = t.p.fork("c");
        int pinned = t.p.frameAt(a);
        t.machine.physicalMemory().pin(pinned);
        long moved = t.machine.compact();
        assertThat(moved).isPositive();
        assertThat(t.machine.stats().compactBlocked.get()).isEqualTo(1);
        assertThat(t.p.frameAt(a)).isEqualTo(pinned);
        assertThat(t.p.frameAt(a + P)).isGreaterThan(t.machine.physicalMemory().nrFrames() / 2);
        MachineFixture.assertReads(t.p, a, 64 * P, Pattern.i32(0), a);
        MachineFixture.assertReads(child, a, 64 * P, Pattern.i32(0), a);
        t.machine.physicalMemory().unpin(pinned);
        t.assertCoherent();
    }

    @Test
    void twoMigrationsOfOnePageDoNotBothIsolateIt() throws Exception {
        MachineFixture t = new MachineFixture();
        long a = t.anon(t.p, P, MachineFixture.RW);
        t.p.write(a, P, Pattern.i32(0), a);
        Runnable migrate = () -> {
            for (int i = 0; i < 500; i++) {
                int ret = t.machine.migrate(t.p, a, P);
                assertThat(ret).isIn(0, -Errno.EAGAIN);
            }
        };
        Thread other = new Thread(migrate);
        other.start();
        migrate.run();
        other.join(60_000);
        assertThat(other.isAlive()).isFalse();
        MachineFixture.assertReads(t.p, a, P, Pattern.i32(0), a);
        t.assertCoherent();
    }
}
