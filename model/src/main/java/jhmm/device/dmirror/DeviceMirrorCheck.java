package jhmm.device.dmirror;

import jhmm.mm.Mm;
import jhmm.mm.PageStates;
import jhmm.mm.Pte;
import jhmm.phys.DevPagemap;

/** Compares one device page-table entry with what the CPU page table says about that address. */
final class DeviceMirrorCheck {
    private DeviceMirrorCheck() {}

    /** Why the device's entry is stale, or null when the CPU still backs it. */
    static String mismatch(DmirrorDevice device, Mm mm, long addr, int pfn, int tag) {
        if (mm.isDead()) {
            return "outlives its address space";
        }
        DevPagemap pgmap = mm.system().phys().pgmap(pfn);
        if (pgmap != null && pgmap.type() == DevPagemap.Type.PRIVATE && pgmap.owner() != device) {
            return "maps frame " + pfn + ", private memory of " + pgmap.owner() + " (a page reachable from two owners)";
        }
        long e = PageStates.entryAt(mm, addr);
        boolean mapsIt = (Pte.present(e) || Pte.isDevicePrivate(e) || Pte.isDeviceExclusive(e)) && Pte.pfn(e) == pfn;
        if (!mapsIt) {
            return "maps frame " + pfn + " which the CPU does not map there";
        }
        if (tag == DevicePageTable.TAG_ATOMIC && !Pte.isDeviceExclusive(e)) {
            return "is atomic but the CPU entry is not device-exclusive";
        }
        boolean cpuWritable = Pte.accessible(e) ? Pte.writable(e) : Pte.kindWritable(e);
        if (tag == DevicePageTable.TAG_WRITE && !cpuWritable) {
            return "is writable but the CPU maps the page read-only";
        }
        return null;
    }
}
