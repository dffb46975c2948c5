package jhmm.perf.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import jhmm.mm.PageStates;
import jhmm.mm.Pte;
import jhmm.perf.Kind;
import jhmm.perf.RangeOp;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Each model-side operation does its work, and its check catches a run that did not. */
class ModelOpsTest {
    private static final long LEN = 4L << 20;
    private static final long PAGES = LEN >>> 12;

    private static void cycle(RangeOp op) {
        op.prepare();
        op.run();
        op.finish();
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void faultInMakesTheRangeResident(Kind kind) {
        try (ModelFaultIn op = new ModelFaultIn(kind, LEN)) {
            op.prepare();
            assertThat(op.range.process.mm().rss()).isZero();
            op.run();
            assertThat(op.ret).isZero();
            assertThat(op.range.process.mm().rss()).isEqualTo(PAGES);
            assertThat(op.range.machine.stats().thpFaultAlloc.get()).isEqualTo(kind.thp() ? LEN >>> 21 : 0);
            op.finish();
            assertThat(op.range.process.mm().rss()).as("unmapped for the next round").isZero();
            cycle(op);
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void faultInWithoutTheCallFailsItsCheck(Kind kind) {
        try (ModelFaultIn op = new ModelFaultIn(kind, LEN)) {
            op.prepare();
            assertThatThrownBy(op::finish).isInstanceOf(IllegalStateException.class).hasMessageContaining("slot 0 of " + PAGES);
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void snapshotFillsEverySlotWithoutFaulting(Kind kind) {
        try (ModelSnapshot op = new ModelSnapshot(kind, LEN)) {
            long faults = op.range.faults();
            cycle(op);
            cycle(op);
            assertThat(op.range.faults()).isEqualTo(faults);
            op.prepare(); // clears the slots: a finish without the call must see them empty
            assertThatThrownBy(op::finish).isInstanceOf(IllegalStateException.class).hasMessageContaining("slot 0 of " + PAGES);
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void longTermPinPinsAndUnpinsEveryPageWithoutFaulting(Kind kind) {
        try (ModelPin op = new ModelPin(kind, LEN)) {
            long faults = op.range.faults();
            cycle(op);
            cycle(op);
            assertThat(op.range.faults()).as("pin_user_pages of a populated writable range faults nothing").isEqualTo(faults);
            assertThat(op.range.machine.physicalMemory().externalRefs()).as("every pin released").isZero();
            op.prepare();
            assertThatThrownBy(op::finish).isInstanceOf(IllegalStateException.class).hasMessageContaining("pinned 0 of " + PAGES);
        }
    }

    @org.junit.jupiter.api.Test
    void longTermPinOfARangeOverOneGibIsSeveralBuffers() {
        // io_uring registers at most 1 GiB per buffer: 1 GiB + 2 MiB is two pin calls, all pinned
        try (ModelPin op = new ModelPin(Kind.THP, ModelPin.MAX_BUFFER + (2L << 20))) {
            cycle(op);
            assertThat(op.range.machine.physicalMemory().externalRefs()).isZero();
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void longTermPinOfAWriteProtectedRangeIsCaught(Kind kind) {
        try (ModelPin op = new ModelPin(kind, LEN)) {
            op.range.process.mprotect(op.range.addr, LEN, jhmm.mm.Mman.PROT_READ);
            op.prepare();
            op.run(); // FOLL_WRITE on a read-only VMA: the pin fails, and the check must say so
            assertThatThrownBy(op::finish).isInstanceOf(IllegalStateException.class).hasMessageContaining("pin_user_pages(FOLL_WRITE|FOLL_LONGTERM) returned -14");
            assertThat(op.range.machine.physicalMemory().externalRefs()).as("a failed pin releases what it took").isZero();
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void mprotectTogglesWriteAccess(Kind kind) {
        try (ModelMprotect op = new ModelMprotect(kind, LEN)) {
            long last = op.range.addr + LEN - 4096;
            cycle(op);
            assertThat(Pte.writable(PageStates.entryAt(op.range.process.mm(), last))).as("after PROT_READ").isFalse();
            cycle(op);
            assertThat(Pte.writable(PageStates.entryAt(op.range.process.mm(), op.range.addr))).as("after PROT_READ|PROT_WRITE").isTrue();
            assertThat(op.range.process.mm().rss()).isEqualTo(PAGES);
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void munmapOfAMirroredRangeFreesIt(Kind kind) {
        try (ModelMunmap op = new ModelMunmap(kind, LEN)) {
            op.prepare();
            assertThat(op.range.process.mm().rss()).isEqualTo(PAGES);
            assertThatThrownBy(op::finish).as("without the munmap").isInstanceOf(IllegalStateException.class);
            op.run();
            op.finish();
            assertThat(op.range.process.mm().rss()).isZero();
            cycle(op);
        }
    }

    @org.junit.jupiter.api.Test
    void munmapOfARangeSmallerThanOneDeviceRead() {
        try (ModelMunmap op = new ModelMunmap(Kind.PAGE_4K, 1L << 20)) {
            cycle(op);
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void populateReadWalksWithoutFaultingAndCatchesAFault(Kind kind) {
        try (ModelPopulateRead op = new ModelPopulateRead(kind, LEN)) {
            cycle(op);
            cycle(op);
            op.prepare();
            op.range.process.madvise(op.range.addr, 4096, jhmm.mm.Mman.MADV_DONTNEED);
            op.run(); // faults the dropped page back: the check must refuse the round
            assertThatThrownBy(op::finish).isInstanceOf(IllegalStateException.class).hasMessageContaining("faulted");
        }
    }
}
