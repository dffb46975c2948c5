package jhmm.device.dmirror;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import jhmm.base.Errno;
import jhmm.base.Pattern;
import jhmm.kernel.Machine;
import jhmm.kernel.MachineConfig;
import jhmm.kernel.UserProcess;
import jhmm.mm.Mman;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Timeout;

/**
 * hmm-tests.c {@code anon_teardown} (T19), with real threads: a device READ through the
 * test driver races munmap of half the buffer by another thread. The kernel behaviour: the
 * mmu interval notifier's invalidation (munmap zaps the PTEs between
 * invalidate_range_start/end, the driver's callback erasing its entries under its mutex) and
 * the driver's read_begin / hmm_range_fault / read_retry-under-mutex loop together guarantee
 * that a READ either succeeds with the data the CPU mapped (cpages=N, faults=1) or fails
 * (-EFAULT: part of the range, or the whole buffer once {@code ptr} was cleared, is no longer
 * mapped), never returns data from an unmapped page, never leaves the device mapping a page
 * the CPU no longer maps, and never deadlocks.
 *
 * <p>The kernel test accepts any error; here the only failing path is hmm_range_fault meeting
 * a hole (or address 0) with a fault request, so an error must be -EFAULT. {@code faults}
 * greater than 1 on success is allowed (a refault after an invalidation of a still mapped
 * page), though in this test it should not happen: the only invalidation unmaps.
 */
class AnonTeardownTest {
    private static final int P = 4096;
    /** HMM_BUFFER_SIZE / page size. */
    private static final int N = 1024;
    private static final long SIZE = (long) N * P;

    /** Outcomes over all repetitions, reported at the end (the race is nondeterministic). */
    private static final Map<String, AtomicInteger> OUTCOMES = new ConcurrentHashMap<>();

    @RepeatedTest(20)
    @Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void readRacingMunmapOfHalfTheBufferNeverReturnsStaleData() throws InterruptedException {
        Machine machine = new Machine(MachineConfig.defaults().withRam(64L << 20));
        UserProcess p = machine.createProcess("hmm");
        Dmirror d = new DmirrorDevice("dmirror0", DmirrorDevice.MemoryType.PRIVATE).open(p.mm());
        for (int c = 0; c < 10; c++) {
            long addr = p.mmap(0, SIZE, Mman.PROT_READ | Mman.PROT_WRITE, Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS, null, 0);
            assertThat(addr).as("mmap").isPositive();
            assertThat(p.write(addr, SIZE, Pattern.i32(c), addr)).as("CPU writes pattern i+%d", c).isZero();

            // buffer->ptr, which the thread clears after its munmap
            long[] ptr = {addr};
            int[] munmapRet = {Integer.MIN_VALUE};
            long delayNanos = ThreadLocalRandom.current().nextLong(32_000);
            Thread unmapper = new Thread(() -> {
                try {
                    Thread.sleep(Duration.ofNanos(delayNanos));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                munmapRet[0] = p.munmap(addr + SIZE / 2, SIZE / 2);
                synchronized (ptr) {
                    ptr[0] = 0;
                }
            }, "anon_teardown-unmap-" + c);
            unmapper.start();

            long readAddr;
            synchronized (ptr) {
                readAddr = ptr[0];
            }
            DmirrorCmd cmd = new DmirrorCmd(readAddr, N, new byte[(int) SIZE]);
            int ret = d.read(cmd);

            unmapper.join(TimeUnit.SECONDS.toMillis(30));
            assertThat(unmapper.isAlive()).as("munmap thread finished (no deadlock)").isFalse();
            assertThat(munmapRet[0]).as("munmap of the second half").isZero();

            if (ret == 0) {
                assertThat(readAddr).as("a READ of address 0 cannot succeed").isEqualTo(addr);
                assertThat(cmd.cpages).as("cpages").isEqualTo(N);
                assertThat(cmd.faults).as("faults").isGreaterThanOrEqualTo(1);
                assertPattern(cmd.ptr, c);
                record("0, faults=" + cmd.faults);
            } else {
                assertThat(ret).as("READ error for a vanished range").isEqualTo(-Errno.EFAULT);
                record(readAddr == 0 ? "-EFAULT, ptr already NULL" : "-EFAULT, raced munmap");
            }
            assertThat(d.staleEntries()).as("device entries the CPU no longer backs").isEmpty();
            assertThat(machine.checkInvariants()).as("machine invariants").isEmpty();
        }
        d.close();
    }

    /** Word k of the mirror holds k + c. */
    private static void assertPattern(byte[] mirror, int c) {
        ByteBuffer b = ByteBuffer.wrap(mirror).order(ByteOrder.LITTLE_ENDIAN);
        for (int k = 0; k < mirror.length / 4; k++) {
            int w = b.getInt(k * 4);
            if (w != k + c) {
                throw new AssertionError(String.format("mirror word %d (page %d) is %d, expected %d", k, k * 4 / P, w, k + c));
            }
        }
    }

    private static void record(String outcome) {
        OUTCOMES.computeIfAbsent(outcome, k -> new AtomicInteger()).incrementAndGet();
    }

    @AfterAll
    static void reportOutcomes() {
        System.out.println("anon_teardown outcomes: " + new TreeMap<>(OUTCOMES));
    }
}
