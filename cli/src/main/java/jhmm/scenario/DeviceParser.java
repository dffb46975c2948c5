package jhmm.scenario;

import java.util.Map;
import java.util.Set;
import jhmm.base.ByteSize;
import jhmm.base.PageSize;
import jhmm.phys.PageBudget;
import jhmm.scenario.DeviceCommand.DeviceAccess;
import jhmm.scenario.DeviceCommand.DeviceMemory;
import jhmm.scenario.DeviceCommand.DeviceOp;
import jhmm.scenario.DeviceCommand.DeviceWrite;
import jhmm.scenario.DeviceCommand.DmaMap;
import jhmm.scenario.DeviceCommand.DmaUnmap;
import jhmm.scenario.DeviceCommand.DmaVia;
import jhmm.scenario.DeviceCommand.NewDevice;
import jhmm.scenario.DeviceCommand.Open;
import jhmm.scenario.DeviceCommand.Release;

/** {@code device NAME dmirror|gpu|rnic ...} and the lines that start with a device name. */
final class DeviceParser {
    static final long DEFAULT_DEVMEM = 64L << 20;

    private static final Form<DeviceMemory> MEMORY = Form.choice("MEMORY", DeviceMemory.values());
    private static final Form<DmaVia> VIA = Form.choice("VIA", DmaVia.values());
    private static final Form<DeviceCommand.CoreMode> MODE = Form.choice("MODE", DeviceCommand.CoreMode.values());
    static final int DEFAULT_DMA_MASK = 64;
    private static final Form<String> TYPE = Form.oneOf("TYPE", new java.util.TreeMap<>(Map.of("dmirror", "dmirror", "gpu", "gpu", "rnic", "rnic")));

    private final NameScope names;
    private final GpuParser gpus;
    private final RnicParser rnics;

    DeviceParser(NameScope names) {
        this.names = names;
        this.gpus = new GpuParser(names);
        this.rnics = new RnicParser(names);
    }

    /**
     * {@code device NAME dmirror [memory=private|coherent|none] [devmem=SIZE]}, after the word
     * {@code device}, on a machine of {@code ramBytes}: a chunk of device memory must be whole
     * PMD-sized sections (the driver hands out base pages and THPs from them) and fit in this
     * JVM's {@link PageBudget} beside the RAM.
     */
    Command define(Words w, long ramBytes) {
        String name = w.take(Form.NAME);
        String type = w.take(TYPE);
        if (type.equals("gpu")) {
            return gpus.define(w, name, ramBytes);
        }
        if (type.equals("rnic")) {
            return rnics.define(w, name);
        }
        Options o = w.options(Map.of("memory", MEMORY, "devmem", Form.SIZE, "dma-mask", Form.COUNT), Set.of());
        int mask = dmaMask(w, o);
        long devmem = o.get("devmem", Form.SIZE).orElse(DEFAULT_DEVMEM);
        if (devmem < PageSize.PMD_SIZE || devmem % PageSize.PMD_SIZE != 0) {
            throw w.error("devmem=" + ByteSize.format(devmem) + " must be a whole number of 2M sections, at least one"
                    + " (the device hands out its memory as 4K pages and 2M THPs from them)");
        }
        requireRoom(w, "devmem", devmem, ramBytes);
        names.addDevice(w, name);
        return new NewDevice(name, o.get("memory", MEMORY).orElse(DeviceMemory.PRIVATE), devmem, mask);
    }

    /** The {@code dma-mask=} option of a device line: address bits, 12 to 64 (default 64). */
    static int dmaMask(Words w, Options o) {
        long mask = o.get("dma-mask", Form.COUNT).orElse((long) DEFAULT_DMA_MASK);
        if (mask < 12 || mask > 64) {
            throw w.error("dma-mask= is a number of address bits, 12 to 64");
        }
        return (int) mask;
    }

    /** Device memory of {@code bytes} (option {@code key}) must fit in this JVM's {@link PageBudget} beside the RAM. */
    static void requireRoom(Words w, String key, long bytes, long ramBytes) {
        PageBudget budget = PageBudget.ofThisJvm();
        long pages = (ramBytes + bytes) >>> PageSize.PAGE_SHIFT;
        if (!budget.fits(pages)) {
            throw w.error(budget.refusal(key + "=" + ByteSize.format(bytes) + " beside ram=" + ByteSize.format(ramBytes), pages));
        }
    }

    Command parse(Words w, String device) {
        if (gpus.isGpu(device)) {
            return gpus.parse(w, device);
        }
        if (rnics.isRnic(device)) {
            return rnics.parse(w, device);
        }
        String verb = w.take("a device action");
        if (verb.equals("open")) {
            return open(w, device);
        }
        Command c = switch (verb) {
            case "release" -> new Release(device);
            case "fail-alloc" -> new DeviceCommand.FailAlloc(device);
            case "write" -> new DeviceWrite(device, mapping(w, device), w.take(CommonArgs.OFF),
                    w.take(CommonArgs.NPAGES), w.take(Form.PATTERN));
            case "dma-map" -> dmaMap(w, device);
            case "dma-unmap" -> new DmaUnmap(
                    device, mapping(w, device), w.options(Map.of(), Set.of("dirty")).flag("dirty"));
            default -> access(w, device, verb);
        };
        w.end();
        return c;
    }

    private Open open(Words w, String device) {
        String process = CommonArgs.openIn(w, names, device);
        w.end();
        return new Open(device, process);
    }

    private DeviceAccess access(Words w, String device, String verb) {
        DeviceOp op = Form.choice("a device action", DeviceOp.values()).read(verb).orElseThrow(() -> w.unknownWord(
                verb, device, "open, read, write, snapshot, migrate-to-dev, migrate-to-sys, exclusive, "
                        + "check-exclusive, release, fail-alloc, dma-map or dma-unmap"));
        return new DeviceAccess(device, op, mapping(w, device), w.take(CommonArgs.OFF), w.take(CommonArgs.NPAGES));
    }

    private DmaMap dmaMap(Words w, String device) {
        Target t = mapping(w, device);
        long off = w.take(CommonArgs.OFF);
        long npages = w.take(CommonArgs.NPAGES);
        Options o = w.options(Map.of("via", VIA, "mode", MODE), Set.of("write"));
        DmaVia via = o.get("via", VIA).orElseThrow(() -> w.error("dma-map needs via=hmm-2019|hmm-dma|gup|core"));
        if (via != DmaVia.CORE && o.has("mode")) {
            throw w.error("mode= goes with via=core only");
        }
        return new DmaMap(device, t, off, npages, via, o.get("mode", MODE).orElse(DeviceCommand.CoreMode.MIRROR), o.flag("write"));
    }

    /** A mapping of the process the device was opened from. */
    private Target mapping(Words w, String device) {
        return CommonArgs.mapping(w, names, names.openedBy(w, device));
    }
}
