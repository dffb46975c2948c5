package jhmm.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import jhmm.base.PageSize;
import jhmm.dma.DmaDevice;
import jhmm.dma.DmaDirection;
import jhmm.dma.DmaSystem;
import jhmm.gup.Foll;
import jhmm.gup.Gup;
import jhmm.kernel.Machine;
import jhmm.kernel.UserProcess;
import jhmm.mm.Mm;
import jhmm.mm.Mman;
import jhmm.mm.ThpMode;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * The extension fails a test whose machine does not add up afterwards. The classes it must
 * fail are nested (surefire runs no nested class on its own) and run here through the JUnit
 * Platform launcher, whose summary says which failed and why.
 */
class JhmmExtensionTest {
    private static final int RW = Mman.PROT_READ | Mman.PROT_WRITE;
    private static final int ANON = Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS;

    @Test
    void aTestThatLeaksAPinFails() {
        assertThat(failures(LeaksAPin.class)).singleElement().asString()
                .contains("1024 page references still held by GUP");
    }

    @Test
    void aTestThatLeaksADmaMappingFails() {
        assertThat(failures(LeaksADmaMapping.class)).singleElement().asString().contains("dev: 1 DMA mappings still live");
    }

    @Test
    void aDeviceCoherenceViolationFailsTheTest() {
        assertThat(failures(IncoherentDevice.class)).singleElement().asString().contains("device page 0x1000 is stale");
    }

    @Test
    void aTestThatReleasesEverythingPasses() {
        assertThat(failures(ReleasesEverything.class)).isEmpty();
    }

    @Test
    void eachTestGetsItsOwnMachineConfiguredByTheAnnotation() {
        assertThat(failures(Configured.class)).isEmpty();
        assertThat(Configured.seen).containsOnlyKeys("classDefaults", "methodOverride");
        assertThat(Configured.seen.get("classDefaults")).isNotSameAs(Configured.seen.get("methodOverride"));
    }

    /** The failures of running {@code tests}, as "method: message". */
    private static List<String> failures(Class<?> tests) {
        SummaryGeneratingListener listener = new SummaryGeneratingListener();
        LauncherFactory.create().execute(LauncherDiscoveryRequestBuilder.request().selectors(selectClass(tests)).build(), listener);
        TestExecutionSummary summary = listener.getSummary();
        assertThat(summary.getTestsFoundCount()).as("tests found in " + tests.getSimpleName()).isPositive();
        return summary.getFailures().stream()
                .map(f -> f.getTestIdentifier().getDisplayName() + ": " + f.getException().getMessage())
                .toList();
    }

    /** A new process's one-page anonymous mapping, pinned with pin_user_pages (faulted in for writing): its frame. */
    private static int pinnedPage(Machine machine) {
        UserProcess p = machine.createProcess("p");
        long addr = p.mmap(0, PageSize.PAGE_SIZE, RW, ANON, null, 0);
        assertThat(addr).as("mmap").isPositive();
        Mm mm = p.mm();
        int[] pages = new int[1];
        mm.mmapLock().readLock().lock();
        try {
            assertThat(Gup.pinUserPages(mm, addr, 1, Foll.WRITE, pages)).isOne();
        } finally {
            mm.mmapLock().readLock().unlock();
        }
        return pages[0];
    }

    @JhmmMachine
    static class LeaksAPin {
        @Test
        void pinsAndForgets(Machine machine) {
            pinnedPage(machine);
        }
    }

    @JhmmMachine
    static class LeaksADmaMapping {
        @Test
        void mapsAndForgets(Machine machine, DmaSystem dma) {
            DmaDevice dev = dma.device("dev", 64, true);
            int pfn = pinnedPage(machine);
            assertThat(dev.mapPage(pfn, 0, PageSize.PAGE_SIZE, DmaDirection.BIDIRECTIONAL)).isNotEqualTo(DmaDevice.MAPPING_ERROR);
            Gup.unpinUserPage(machine.physicalMemory(), pfn);
        }
    }

    @JhmmMachine
    static class IncoherentDevice {
        @Test
        void registersAFailingCheck(Machine machine) {
            machine.addCoherenceCheck(() -> List.of("device page 0x1000 is stale"));
        }
    }

    @JhmmMachine
    static class ReleasesEverything {
        @Test
        void pinsMapsAndReleases(Machine machine, DmaSystem dma) {
            DmaDevice dev = dma.device("dev", 64, true);
            int pfn = pinnedPage(machine);
            long iova = dev.mapPage(pfn, 0, PageSize.PAGE_SIZE, DmaDirection.BIDIRECTIONAL);
            dev.unmapPage(iova, PageSize.PAGE_SIZE, DmaDirection.BIDIRECTIONAL);
            Gup.unpinUserPage(machine.physicalMemory(), pfn);
        }
    }

    @JhmmMachine(ram = "32M")
    static class Configured {
        static final Map<String, Machine> seen = new ConcurrentHashMap<>();
        private Machine fromBeforeEach;

        @BeforeEach
        void boot(Machine machine) {
            fromBeforeEach = machine;
            machine.createProcess("p"); // a second test with the same machine would get EEXIST
        }

        @Test
        void classDefaults(Machine machine) {
            assertThat(machine).isSameAs(fromBeforeEach);
            assertThat(machine.config().ramBytes()).isEqualTo(32L << 20);
            seen.put("classDefaults", machine);
        }

        @Test
        @JhmmMachine(ram = "16M", thp = ThpMode.ALWAYS)
        void methodOverride(Machine machine) {
            assertThat(machine.config().ramBytes()).isEqualTo(16L << 20);
            assertThat(machine.config().thp()).isEqualTo(ThpMode.ALWAYS);
            seen.put("methodOverride", machine);
        }
    }
}
