package jhmm.gup;

import static jhmm.gup.EdgeCaseSupport.ANON;
import static jhmm.gup.EdgeCaseSupport.P;
import static jhmm.gup.EdgeCaseSupport.RW;
import static jhmm.gup.EdgeCaseSupport.assertReads;
import static jhmm.gup.EdgeCaseSupport.frame;
import static jhmm.gup.EdgeCaseSupport.get;
import static jhmm.gup.EdgeCaseSupport.map;
import static jhmm.gup.EdgeCaseSupport.pin;
import static org.assertj.core.api.Assertions.assertThat;

import jhmm.base.Errno;
import jhmm.base.PageSize;
import jhmm.base.Pattern;
import jhmm.device.dmirror.Dmirror;
import jhmm.device.dmirror.DmirrorCmd;
import jhmm.device.dmirror.DmirrorDevice;
import jhmm.kernel.Machine;
import jhmm.kernel.MachineConfig;
import jhmm.kernel.UserProcess;
import jhmm.mm.EdgeStates;
import jhmm.mm.FileInode;
import jhmm.mm.Mman;
import jhmm.mm.PageState;
import jhmm.mm.PageStates;
import jhmm.mm.Pte;
import jhmm.mm.ThpMode;
import jhmm.mm.VmFlags;
import jhmm.phys.DevPagemap;
import jhmm.phys.PageFlags;
import jhmm.phys.PageFrames;
import jhmm.phys.PhysicalMemory;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The GUP edge cases 1-11 of gup-migrate-dma.md section 6, each checked against the outcome
 * the reference states, through the model's get_user_pages / pin_user_pages entry points.
 *
 * <p>Not constructible, so not tested here: the ZONE_MOVABLE and CMA halves of edge case 7. The
 * model's RAM has one zone and no CMA area, so no page is ever placed where a long-term pin
 * must not stay; only the device-coherent half of case 7 is checked. (FOLL_HWPOISON has no
 * case of its own in section 6; the model has no poisoned pages either.)
 */
class GupEdgeCaseTest {
    private static final long M2 = PageSize.PMD_SIZE;

    private Machine machine = new Machine(MachineConfig.defaults().withRam(256L << 20));
    private UserProcess p = machine.createProcess("p");

    private PhysicalMemory phys() {
        return machine.physicalMemory();
    }

    private PageFrames frames() {
        return phys().frames();
    }

    private long written(long len) {
        return EdgeCaseSupport.written(p, len);
    }

    private static PageState state(UserProcess proc, long addr) {
        return PageStates.of(proc.mm(), addr);
    }

    private void assertCoherent() {
        assertThat(machine.checkInvariants()).as("invariants").isEmpty();
    }

    // ---- 1-4: what GUP returns ----------------------------------------------------------------

    /** Edge case 1: GUP returns the count obtained before the first failing page; a failure on the first page returns its errno. */
    @Test
    @DisplayName("gup edge 1: partial success returns the pages obtained before the failure; failing on the first page returns -errno")
    void partialCountThenErrnoOnFirstPage() {
        long a = written(4 * P);
        assertThat(p.munmap(a + 2 * P, P)).isZero(); // a hole at the third page
        int[] pages = new int[4];

        assertThat(pin(p, a, 4, Foll.WRITE, pages)).isEqualTo(2);
        assertThat(pages[0]).isEqualTo(frame(p, a));
        assertThat(pages[1]).isEqualTo(frame(p, a + P));
        assertThat(phys().maybeDmaPinned(pages[0])).isTrue();
        assertThat(phys().maybeDmaPinned(pages[1])).isTrue();
        assertThat(phys().maybeDmaPinned(frame(p, a + 3 * P))).as("nothing taken after the failure").isFalse();
        Gup.unpinUserPagesDirtyLock(phys(), pages, 2, false);

        long refsBefore = phys().externalRefs();
        assertThat(pin(p, a + 2 * P, 2, Foll.WRITE, pages)).isEqualTo(-Errno.EFAULT);
        assertThat(get(p, a + 2 * P, 2, 0, pages)).isEqualTo(-Errno.EFAULT);
        assertThat(Gup.pinUserPagesFast(p.mm(), a + 2 * P, 2, 0, pages)).isEqualTo(-Errno.EFAULT);
        assertThat(phys().externalRefs()).as("a failure on the first page takes nothing").isEqualTo(refsBefore);
        assertThat(phys().maybeDmaPinned(frame(p, a + 3 * P))).isFalse();

        // the fast path stops at the same place: its lockless part and the slow fallback add up
        assertThat(Gup.pinUserPagesFast(p.mm(), a, 4, 0, pages)).isEqualTo(2);
        Gup.unpinUserPagesDirtyLock(phys(), pages, 2, false);

        // a VMA-level failure (PROT_NONE) in the middle ends the run the same way
        long b = written(3 * P);
        assertThat(p.mprotect(b + P, P, Mman.PROT_NONE)).isZero();
        assertThat(get(p, b, 3, 0, pages)).isEqualTo(1);
        Gup.putPage(phys(), pages[0]);
        assertThat(phys().externalRefs()).isEqualTo(refsBefore);
        assertCoherent();
    }

    /** Edge case 2: GUP with WRITE on a read-only private anonymous page breaks COW: the returned page is a new private copy and the process's PTE points at it. */
    @Test
    @DisplayName("gup edge 2: FOLL_WRITE on a read-only (COW-shared) private anonymous page returns a new private copy the PTE now maps")
    void writeBreaksCow() {
        long a = written(P);
        int shared = frame(p, a);
        UserProcess child = p.fork("c");
        assertThat(state(p, a)).isEqualTo(PageState.PRESENT_RO);
        assertThat(frame(child, a)).isEqualTo(shared);

        int[] pages = new int[1];
        assertThat(get(p, a, 1, Foll.WRITE, pages)).isEqualTo(1);
        assertThat(pages[0]).as("a new copy").isNotEqualTo(shared);
        assertThat(frame(p, a)).as("the parent's PTE points at the copy").isEqualTo(pages[0]);
        assertThat(state(p, a)).isEqualTo(PageState.PRESENT_RW);
        assertThat(frames().test(pages[0], PageFlags.ANON_EXCLUSIVE)).isTrue();
        assertThat(frame(child, a)).as("the child keeps the old page").isEqualTo(shared);
        assertThat(phys().data().matches(pages[0], 0, (int) P, Pattern.i32(0), 0)).as("the copy has the data").isTrue();

        // what the caller writes through the page is the parent's alone
        phys().data().writePattern(pages[0], 0, (int) P, Pattern.fillByte(7), 0);
        assertReads(p, a, P, Pattern.fillByte(7), a);
        assertReads(child, a, P, Pattern.i32(0), a);
        Gup.putPage(phys(), pages[0]);
        assertCoherent();
    }

    /** Edge case 3: GUP with WRITE|FORCE on a read-only private mapping succeeds and leaves the VMA read-only; on a shared read-only mapping it fails. */
    @Test
    @DisplayName("gup edge 3: WRITE|FORCE on a read-only private mapping COW-copies and leaves the VMA read-only; on a shared read-only one -EFAULT")
    void forceWrite() {
        FileInode file = machine.createFile("f", 4 * P, Pattern.i32(100));
        long priv = p.mmap(0, P, Mman.PROT_READ, Mman.MAP_PRIVATE, file, 0);
        long view = p.mmap(0, P, Mman.PROT_READ, Mman.MAP_SHARED, file, 0);
        assertThat(priv).isPositive();
        assertThat(view).isPositive();
        assertReads(p, priv, P, Pattern.i32(100), priv);
        int cached = frame(p, priv);
        int[] pages = new int[1];

        assertThat(get(p, priv, 1, Foll.WRITE, pages)).as("WRITE without FORCE").isEqualTo(-Errno.EFAULT);
        assertThat(get(p, priv, 1, Foll.WRITE | Foll.FORCE, pages)).isEqualTo(1);
        assertThat(pages[0]).as("a private copy, not the page-cache page").isNotEqualTo(cached);
        assertThat(frame(p, priv)).isEqualTo(pages[0]);
        assertThat(state(p, priv)).as("the PTE stays read-only").isEqualTo(PageState.PRESENT_RO);
        assertThat(p.mm().findVma(priv).has(VmFlags.WRITE)).as("the VMA stays read-only").isFalse();
        assertThat(p.write(priv, 4, Pattern.fillByte(1), priv)).as("the process still cannot write").isEqualTo(-Errno.EFAULT);
        assertThat(Gup.getUserPagesFast(p.mm(), priv, 1, Foll.WRITE, pages)).as("nor GUP without FORCE").isEqualTo(-Errno.EFAULT);

        // ptrace pokes the copy: the process sees it, the file does not
        phys().data().writePattern(pages[0], 0, (int) P, Pattern.fillByte(9), 0);
        Gup.putPage(phys(), pages[0]);
        assertReads(p, priv, P, Pattern.fillByte(9), priv);
        assertReads(p, view, P, Pattern.i32(100), view);

        // the same on never-touched anonymous memory mapped read-only
        long ro = map(p, P, Mman.PROT_READ, ANON);
        assertThat(pin(p, ro, 1, Foll.WRITE | Foll.FORCE, pages)).isEqualTo(1);
        assertThat(phys().isZeroPfn(pages[0])).as("never the zero page for a write").isFalse();
        assertThat(frame(p, ro)).isEqualTo(pages[0]);
        assertThat(state(p, ro)).isEqualTo(PageState.PRESENT_RO);
        assertThat(p.mm().findVma(ro).has(VmFlags.WRITE)).isFalse();
        Gup.unpinUserPage(phys(), pages[0]);
        assertThat(Gup.pinUserPagesFast(p.mm(), ro, 1, Foll.WRITE, pages)).as("no write without FORCE").isEqualTo(-Errno.EFAULT);

        // a shared read-only mapping is no COW mapping: FORCE does not help
        assertThat(get(p, view, 1, Foll.WRITE | Foll.FORCE, pages)).isEqualTo(-Errno.EFAULT);
        assertThat(pin(p, view, 1, Foll.WRITE | Foll.FORCE, pages)).isEqualTo(-Errno.EFAULT);
        assertThat(frame(p, view)).isEqualTo(cached);
        assertCoherent();

        // and where the forced write faults in a THP
        machine = new Machine(MachineConfig.defaults().withRam(256L << 20).withThp(ThpMode.ALWAYS));
        p = machine.createProcess("t");
        long t = p.mmapAligned(M2, M2, Mman.PROT_READ, ANON, null, 0);
        assertThat(pin(p, t, 1, Foll.WRITE | Foll.FORCE, pages)).isEqualTo(1);
        assertThat(phys().isZeroPfn(pages[0])).isFalse();
        assertThat(Pte.writable(PageStates.entryAt(p.mm(), t))).as("the huge entry stays read-only").isFalse();
        assertThat(Gup.pinUserPagesFast(p.mm(), t, 1, Foll.WRITE, new int[1])).isEqualTo(-Errno.EFAULT);
        Gup.unpinUserPage(phys(), pages[0]);
        assertCoherent();
    }

    /** Edge case 4: GUP on VM_IO/VM_PFNMAP, PROT_NONE, or an unmapped address: -EFAULT. */
    @Test
    @DisplayName("gup edge 4: VM_IO, VM_PFNMAP, PROT_NONE and unmapped addresses give -EFAULT")
    void efaultCases() {
        int[] pages = new int[1];
        for (int special : new int[] {VmFlags.IO, VmFlags.PFNMAP, VmFlags.IO | VmFlags.PFNMAP}) {
            long d = EdgeStates.driverMapping(p.mm(), 1, special);
            EdgeStates.insertSpecialPfn(p.mm(), d, EdgeStates.driverFrame(p.mm()));
            assertThat(get(p, d, 1, 0, pages)).as("get, flags %x", special).isEqualTo(-Errno.EFAULT);
            assertThat(pin(p, d, 1, Foll.WRITE, pages)).as("pin, flags %x", special).isEqualTo(-Errno.EFAULT);
            assertThat(Gup.pinUserPagesFast(p.mm(), d, 1, 0, pages)).as("pin fast, flags %x", special).isEqualTo(-Errno.EFAULT);
        }

        long none = map(p, P, Mman.PROT_NONE, ANON);
        assertThat(get(p, none, 1, 0, pages)).isEqualTo(-Errno.EFAULT);
        long hidden = written(P);
        assertThat(p.mprotect(hidden, P, Mman.PROT_NONE)).isZero();
        assertThat(get(p, hidden, 1, 0, pages)).as("data behind PROT_NONE").isEqualTo(-Errno.EFAULT);
        assertThat(pin(p, hidden, 1, 0, pages)).isEqualTo(-Errno.EFAULT);
        assertThat(Gup.pinUserPagesFast(p.mm(), hidden, 1, 0, pages)).isEqualTo(-Errno.EFAULT);

        long gone = written(P);
        assertThat(p.munmap(gone, P)).isZero();
        assertThat(get(p, gone, 1, 0, pages)).isEqualTo(-Errno.EFAULT);
        assertThat(Gup.getUserPagesFast(p.mm(), gone, 1, Foll.WRITE, pages)).isEqualTo(-Errno.EFAULT);
        assertThat(phys().externalRefs()).isZero();
    }

    // ---- 5-8: pins, migration, device memory --------------------------------------------------

    /** Edge case 5: pinning a small page adds 1024 to its refcount; a large folio gets +1 refcount and +1 pin count per page pinned; unpin reverses exactly. */
    @Test
    @DisplayName("gup edge 5: a pin adds 1024 to a small folio's refcount, +1 refcount and +1 pincount per page of a large folio; unpin reverses exactly")
    void pinAccounting() {
        long a = written(P);
        int pfn = frame(p, a);
        int ref = frames().refcount(pfn);
        int[] pages = new int[1];
        assertThat(pin(p, a, 1, Foll.WRITE, pages)).isEqualTo(1);
        assertThat(frames().refcount(pfn)).isEqualTo(ref + 1024);
        assertThat(phys().maybeDmaPinned(pfn)).isTrue();
        assertThat(pin(p, a, 1, 0, pages)).isEqualTo(1);
        assertThat(frames().refcount(pfn)).isEqualTo(ref + 2048);
        Gup.unpinUserPage(phys(), pfn);
        assertThat(frames().refcount(pfn)).isEqualTo(ref + 1024);
        Gup.unpinUserPage(phys(), pfn);
        assertThat(frames().refcount(pfn)).isEqualTo(ref);
        assertThat(phys().maybeDmaPinned(pfn)).isFalse();
        assertThat(get(p, a, 1, 0, pages)).as("a FOLL_GET reference is one").isEqualTo(1);
        assertThat(frames().refcount(pfn)).isEqualTo(ref + 1);
        assertThat(phys().maybeDmaPinned(pfn)).isFalse();
        Gup.putPage(phys(), pfn);
        assertThat(frames().refcount(pfn)).isEqualTo(ref);

        machine = new Machine(MachineConfig.defaults().withRam(256L << 20).withThp(ThpMode.ALWAYS));
        p = machine.createProcess("t");
        long t = p.mmapAligned(M2, M2, RW, ANON, null, 0);
        assertThat(p.write(t, M2, Pattern.i32(0), t)).isZero();
        assertThat(state(p, t)).isEqualTo(PageState.HUGE_PMD);
        int head = frame(p, t);
        int headRef = frames().refcount(head);
        assertThat(frames().largePincount(head)).isZero();

        int[] three = new int[3];
        assertThat(pin(p, t + P, 3, Foll.WRITE, three)).isEqualTo(3);
        assertThat(three).as("the exact subpages").containsExactly(head + 1, head + 2, head + 3);
        assertThat(frames().refcount(head)).isEqualTo(headRef + 3);
        assertThat(frames().largePincount(head)).isEqualTo(3);
        assertThat(phys().maybeDmaPinned(head)).isTrue();
        int[] all = new int[512];
        assertThat(pin(p, t, 512, 0, all)).isEqualTo(512);
        assertThat(frames().refcount(head)).isEqualTo(headRef + 515);
        assertThat(frames().largePincount(head)).isEqualTo(515);
        Gup.unpinUserPagesDirtyLock(phys(), all, 512, false);
        assertThat(frames().refcount(head)).isEqualTo(headRef + 3);
        assertThat(frames().largePincount(head)).isEqualTo(3);
        Gup.unpinUserPagesDirtyLock(phys(), three, 3, false);
        assertThat(frames().refcount(head)).isEqualTo(headRef);
        assertThat(frames().largePincount(head)).isZero();
        assertThat(phys().maybeDmaPinned(head)).isFalse();
        assertThat(phys().externalRefs()).isZero();
        assertCoherent();
    }

    /** Edge case 6: a pinned page fails migration (-EAGAIN) and stays where it is; after unpinning it migrates. */
    @Test
    @DisplayName("gup edge 6: a pinned page fails migration with -EAGAIN and stays; unpinned, it migrates")
    void pinnedPageBlocksMigration() {
        long a = written(P);
        int pfn = frame(p, a);
        int[] pages = new int[1];
        assertThat(pin(p, a, 1, Foll.WRITE | Foll.LONGTERM, pages)).isEqualTo(1);
        assertThat(machine.migrate(p, a, P)).isEqualTo(-Errno.EAGAIN);
        assertThat(frame(p, a)).isEqualTo(pfn);
        assertThat(state(p, a)).as("the old PTE is back").isEqualTo(PageState.PRESENT_RW);
        assertReads(p, a, P, Pattern.i32(0), a);
        assertCoherent();

        Gup.unpinUserPage(phys(), pages[0]);
        assertThat(machine.migrate(p, a, P)).isZero();
        assertThat(frame(p, a)).isNotEqualTo(pfn);
        assertReads(p, a, P, Pattern.i32(0), a);
        assertCoherent();
    }

    /** A device with memory of {@code type} whose mirror of {@code p} moved {@code npages} written pages at {@code a} into it. */
    private DmirrorDevice migratedToDevice(DmirrorDevice.MemoryType type, long a, int npages) {
        DmirrorDevice dev = new DmirrorDevice("dmirror-" + type, type, machine.memory(), 64L << 20);
        Dmirror mirror = dev.open(p.mm());
        assertThat(mirror.migrateToDev(new DmirrorCmd(a, npages, new byte[(int) (npages * P)]))).isZero();
        assertThat(dev.pagesInUse()).isEqualTo(npages);
        return dev;
    }

    private DevPagemap.Type memoryOf(int pfn) {
        DevPagemap m = phys().pgmap(pfn);
        return m == null ? null : m.type();
    }

    /** Edge case 7: FOLL_LONGTERM on a page in ZONE_MOVABLE, CMA or device-coherent memory migrates it first; the pinned page is in ordinary memory afterwards. */
    @Test
    @DisplayName("gup edge 7: FOLL_LONGTERM on device-coherent pages migrates them to ordinary memory first (no ZONE_MOVABLE or CMA in the model)")
    void longtermMigratesCoherentPagesOut() {
        long a = written(4 * P);
        DmirrorDevice dev = migratedToDevice(DmirrorDevice.MemoryType.COHERENT, a, 4);
        int devFrame = frame(p, a);
        assertThat(memoryOf(devFrame)).isEqualTo(DevPagemap.Type.COHERENT);
        assertThat(state(p, a)).as("coherent pages are mapped by ordinary PTEs").isEqualTo(PageState.PRESENT_RW);

        // a short-term pin takes the coherent page as it is
        int[] pages = new int[4];
        assertThat(pin(p, a, 1, Foll.WRITE, pages)).isEqualTo(1);
        assertThat(pages[0]).isEqualTo(devFrame);
        Gup.unpinUserPage(phys(), pages[0]);

        assertThat(pin(p, a, 4, Foll.WRITE | Foll.LONGTERM, pages)).isEqualTo(4);
        for (int i = 0; i < 4; i++) {
            assertThat(pages[i]).as("page %d in system RAM", i).isLessThan(phys().nrFrames());
            assertThat(memoryOf(pages[i])).isNull();
            assertThat(frame(p, a + i * P)).as("the process maps the pinned page").isEqualTo(pages[i]);
            assertThat(phys().maybeDmaPinned(pages[i])).isTrue();
        }
        assertThat(dev.pagesInUse()).as("the device pages were given back").isZero();
        assertReads(p, a, 4 * P, Pattern.i32(0), a);
        Gup.unpinUserPagesDirtyLock(phys(), pages, 4, true);
        assertCoherent();
    }

    /** Edge case 8: GUP on a device-private page migrates it to RAM first; GUP never returns device-private pages. */
    @Test
    @DisplayName("gup edge 8: GUP on device-private entries migrates the pages back to RAM; no device-private page is ever returned")
    void devicePrivatePagesComeBackToRam() {
        long a = written(4 * P);
        DmirrorDevice dev = migratedToDevice(DmirrorDevice.MemoryType.PRIVATE, a, 4);
        for (int i = 0; i < 4; i++) {
            assertThat(state(p, a + i * P)).isEqualTo(PageState.DEVICE_PRIVATE);
        }
        int[] pages = new int[4];
        assertThat(get(p, a, 2, 0, pages)).as("read-only get").isEqualTo(2);
        assertThat(Gup.pinUserPagesFast(p.mm(), a + 2 * P, 2, Foll.WRITE, new int[2])).as("pin fast, write").isEqualTo(2);
        for (int i = 0; i < 4; i++) {
            int f = frame(p, a + i * P);
            assertThat(f).as("page %d mapped from RAM", i).isBetween(0, phys().nrFrames() - 1);
            assertThat(memoryOf(f)).isNull();
        }
        for (int i = 0; i < 2; i++) {
            assertThat(pages[i]).isEqualTo(frame(p, a + i * P));
            assertThat(memoryOf(pages[i])).isNull();
            Gup.putPage(phys(), pages[i]);
        }
        for (int i = 2; i < 4; i++) {
            Gup.unpinUserPage(phys(), frame(p, a + i * P));
        }
        assertThat(dev.pagesInUse()).isZero();
        assertReads(p, a, 4 * P, Pattern.i32(0), a);
        assertCoherent();
    }

    // ---- 9-11: fork, unshare, the zero page ---------------------------------------------------

    /** Edge case 9: fork copies maybe-pinned private anonymous pages into the child; unpinned ones are shared COW and write-protected in both. */
    @Test
    @DisplayName("gup edge 9: fork copies a pinned anonymous page for the child at once; unpinned pages are shared read-only in both")
    void forkCopiesPinnedPages() {
        long a = written(2 * P);
        int pinnedPfn = frame(p, a);
        int plainPfn = frame(p, a + P);
        int[] pages = new int[1];
        assertThat(pin(p, a, 1, Foll.WRITE | Foll.LONGTERM, pages)).isEqualTo(1);

        UserProcess child = p.fork("c");
        assertThat(frame(p, a)).as("the parent keeps the pinned page").isEqualTo(pinnedPfn);
        assertThat(state(p, a)).as("still writable in the parent").isEqualTo(PageState.PRESENT_RW);
        assertThat(frame(child, a)).as("the child has its own copy").isNotEqualTo(pinnedPfn);
        assertThat(phys().data().matches(frame(child, a), 0, (int) P, Pattern.i32(0), 0)).isTrue();

        assertThat(frame(child, a + P)).as("an unpinned page is shared").isEqualTo(plainPfn);
        assertThat(state(p, a + P)).isEqualTo(PageState.PRESENT_RO);
        assertThat(state(child, a + P)).isEqualTo(PageState.PRESENT_RO);
        assertThat(frames().test(plainPfn, PageFlags.ANON_EXCLUSIVE)).isFalse();

        // DMA into the pinned buffer keeps landing in the parent's memory
        phys().data().writePattern(pinnedPfn, 0, (int) P, Pattern.fillByte(3), 0);
        assertReads(p, a, P, Pattern.fillByte(3), a);
        assertReads(child, a, P, Pattern.i32(0), a);
        assertThat(p.write(a, 4, Pattern.fillByte(4), a)).isZero();
        assertThat(frame(p, a)).as("no COW for the parent's write").isEqualTo(pinnedPfn);
        Gup.unpinUserPage(phys(), pinnedPfn);
        assertCoherent();
    }

    /** Edge case 10: pinning a shared (COW) anonymous page for read unshares it first. */
    @Test
    @DisplayName("gup edge 10: a read-only pin of a COW-shared anonymous page unshares it first; a plain FOLL_GET does not")
    void readPinUnshares() {
        long a = written(P);
        int shared = frame(p, a);
        UserProcess child = p.fork("c");
        int[] pages = new int[1];

        assertThat(get(p, a, 1, 0, pages)).isEqualTo(1);
        assertThat(pages[0]).as("FOLL_GET takes the shared page as it is").isEqualTo(shared);
        Gup.putPage(phys(), pages[0]);

        assertThat(pin(p, a, 1, 0, pages)).isEqualTo(1);
        assertThat(pages[0]).as("the pin is on a page of the parent's own").isNotEqualTo(shared);
        assertThat(frame(p, a)).as("the page table agrees with the pin").isEqualTo(pages[0]);
        assertThat(frames().test(pages[0], PageFlags.ANON_EXCLUSIVE)).isTrue();
        assertThat(frame(child, a)).isEqualTo(shared);
        assertReads(p, a, P, Pattern.i32(0), a);

        // a later write by the parent lands in the pinned page, not in a new COW copy
        assertThat(p.write(a, P, Pattern.fillByte(6), a)).isZero();
        assertThat(frame(p, a)).isEqualTo(pages[0]);
        assertThat(phys().data().matches(pages[0], 0, (int) P, Pattern.fillByte(6), 0)).isTrue();
        assertReads(child, a, P, Pattern.i32(0), a);
        Gup.unpinUserPage(phys(), pages[0]);
        assertCoherent();
    }

    /** Edge case 11: a read-only GUP of never-touched anonymous memory returns the zero page. */
    @Test
    @DisplayName("gup edge 11: read-only GUP of untouched anonymous memory returns the zero page (pinned harmlessly); a write pin never does")
    void readOfUntouchedMemoryIsTheZeroPage() {
        long a = map(p, 4 * P, RW, ANON);
        int zero = phys().zeroPfn();
        int zeroRef = frames().refcount(zero);
        int[] pages = new int[4];

        assertThat(get(p, a, 2, 0, pages)).isEqualTo(2);
        assertThat(pages[0]).isEqualTo(zero);
        assertThat(pages[1]).isEqualTo(zero);
        assertThat(state(p, a)).isEqualTo(PageState.ZERO);
        Gup.putPage(phys(), pages[0]);
        Gup.putPage(phys(), pages[1]);

        assertThat(pin(p, a + 2 * P, 1, 0, pages)).isEqualTo(1);
        assertThat(pages[0]).isEqualTo(zero);
        Gup.unpinUserPage(phys(), pages[0]);
        assertThat(frames().refcount(zero)).as("the zero page's count is untouched").isEqualTo(zeroRef);

        assertThat(pin(p, a + 3 * P, 1, Foll.WRITE, pages)).isEqualTo(1);
        assertThat(phys().isZeroPfn(pages[0])).isFalse();
        assertThat(state(p, a + 3 * P)).isEqualTo(PageState.PRESENT_RW);
        assertThat(pin(p, a, 1, Foll.WRITE, pages)).as("a write pin replaces a mapped zero page").isEqualTo(1);
        assertThat(phys().isZeroPfn(pages[0])).isFalse();
        assertThat(frame(p, a)).isEqualTo(pages[0]);
        Gup.unpinUserPage(phys(), pages[0]);
        Gup.unpinUserPage(phys(), frame(p, a + 3 * P));
        assertThat(phys().externalRefs()).isZero();
        assertCoherent();
    }

    // ---- issue requirement -------------------------------------------------------------------

    /**
     * FOLL_LONGTERM on a device-coherent page migrates it first, as a pinned RDMA memory
     * region's registration (pin_user_pages_fast with FOLL_LONGTERM | FOLL_WRITE) needs: the
     * frame returned is system RAM, and the lockless fast path does not take the coherent page.
     */
    @Test
    @DisplayName("gup: pin_user_pages_fast(FOLL_LONGTERM|FOLL_WRITE) on a device-coherent page returns a system-RAM frame")
    void longtermFastPinOfCoherentPageReturnsSystemRam() {
        long a = written(2 * P);
        migratedToDevice(DmirrorDevice.MemoryType.COHERENT, a, 2);
        int devFrame = frame(p, a);
        assertThat(memoryOf(devFrame)).isEqualTo(DevPagemap.Type.COHERENT);

        int[] pages = new int[2];
        assertThat(Gup.pinUserPagesFast(p.mm(), a, 2, Foll.LONGTERM | Foll.WRITE, pages)).isEqualTo(2);
        for (int i = 0; i < 2; i++) {
            assertThat(pages[i]).isNotEqualTo(devFrame).isBetween(0, phys().nrFrames() - 1);
            assertThat(memoryOf(pages[i])).isNull();
            assertThat(Pte.pfn(PageStates.entryAt(p.mm(), a + i * P))).isEqualTo(pages[i]);
        }
        assertReads(p, a, 2 * P, Pattern.i32(0), a);
        Gup.unpinUserPagesDirtyLock(phys(), pages, 2, true);
        assertCoherent();
    }
}
