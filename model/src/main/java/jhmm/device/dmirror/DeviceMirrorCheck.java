package jhmm.device.dmirror;

import jhmm.mm.Mm;
import jhmm.mm.PageStates;
import jhmm.mm.Pte;

/** Compares one device page-table entry with what the CPU page table says about that address. */
final class DeviceMirrorCheck {
    private DeviceMirrorCheck() {}

    /** Why the device's entry is stale, or null when the CPU still backs it. */
    static String mismatch(Mm mm, long addr, int pfn, int tag) {
        if (mm.isDead()) {
            return "outlives its address space";
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
