package jhmm.phys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import jhmm.base.PageSize;
import jhmm.kernel.Machine;
import jhmm.kernel.MachineConfig;
import org.junit.jupiter.api.Test;

/** Machines larger than the JVM can hold are refused up front, with the bound, instead of an OutOfMemoryError. */
class PageBudgetTest {
    private static final long GIB = 1L << 30;

    @Test
    void theHeapBoundsTheMachineInWholeGibibytes() {
        // 64 bytes a page in half of 6 GiB: 3 GiB / 64 B = 48M pages = 192 GiB
        PageBudget six = new PageBudget(6 * GIB);
        assertThat(six.pages() * PageSize.PAGE_SIZE).isEqualTo(192 * GIB);
        assertThat(six.fits(six.pages() - 1)).isTrue();
        assertThat(six.fits(six.pages())).as("the bound is exclusive").isFalse();
    }

    @Test
    void pageFrameNumbersBoundEvenAHugeHeap() {
        PageBudget huge = new PageBudget(1L << 50);
        assertThat(huge.pages()).isEqualTo(PageBudget.MAX_PAGES);
        assertThat(huge.refusal("ram=4096G", PageBudget.MAX_PAGES))
                .isEqualTo("ram=4096G is too large: the pages of RAM, swap, device memory and files together must stay below 4096G in any JVM"
                        + " (page frame numbers are ints)");
    }

    @Test
    void theRefusalSaysTheBoundWhyAndWhatHeapWouldHoldIt() {
        long pages = 4095 * GIB / PageSize.PAGE_SIZE;
        assertThat(new PageBudget(6 * GIB).refusal("ram=4095G", pages)).isEqualTo(
                "ram=4095G is too large for this JVM: the pages of RAM, swap, device memory and files together must stay below 192G here"
                        + " (the model plans 64 bytes of heap per 4 KiB page, in half of this JVM's maximum heap of 6G;"
                        + " JHMM_HEAP=129g would hold it), and below 4096G in any JVM (page frame numbers are ints)");
    }

    /** ram=4095G used to end in "internal error: Java heap space" after seconds of allocation. */
    @Test
    void aMachineBeyondTheBudgetIsRefusedBeforeAnythingIsAllocated() {
        assertThatThrownBy(() -> new Machine(MachineConfig.defaults().withRam(4095 * GIB).withHugetlb(2_000_000, 0)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("ram=4095G is too large");
        assertThatThrownBy(() -> new Machine(MachineConfig.defaults().withHugetlb(Integer.MAX_VALUE, 0)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("do not fit in ram=1G");
        assertThatThrownBy(() -> new Machine(MachineConfig.defaults().withRam(1000)))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("ram=1000 is too small: a machine needs at least 4M");
    }

    /** memremap_pages fails with ENOMEM, as the kernel's does, when the device memory would not fit. */
    @Test
    void deviceMemoryBeyondTheBudgetIsNotRegistered() {
        // a 4 MiB heap: 32768 pages, 128 MiB in all
        PhysicalMemory phys = new PhysicalMemory(64L << 20, 0, 0, new PageBudget(4L << 20));
        DevPagemap fits = new DevPagemap(DevPagemap.Type.PRIVATE, null, (head, order) -> {});
        assertThat(phys.memremapPages(fits, 8192)).isEqualTo(32768); // the next 128 MiB section
        DevPagemap tooMuch = new DevPagemap(DevPagemap.Type.PRIVATE, null, (head, order) -> {});
        assertThat(phys.memremapPages(tooMuch, 8192 + 1)).isEqualTo(-1);
        assertThat(phys.totalFrames()).isEqualTo(32768 + 8192);
    }
}
