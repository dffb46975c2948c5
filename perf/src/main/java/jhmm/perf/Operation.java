package jhmm.perf;

import java.util.Arrays;
import java.util.Locale;
import java.util.function.BiFunction;
import java.util.stream.Collectors;
import jhmm.perf.host.HostFaultIn;
import jhmm.perf.host.HostMprotect;
import jhmm.perf.host.HostMunmap;
import jhmm.perf.host.HostPin;
import jhmm.perf.host.HostPopulateRead;
import jhmm.perf.host.HostSnapshot;
import jhmm.perf.host.HostSupport;
import jhmm.perf.model.ModelFaultIn;
import jhmm.perf.model.ModelMprotect;
import jhmm.perf.model.ModelMunmap;
import jhmm.perf.model.ModelPin;
import jhmm.perf.model.ModelPopulateRead;
import jhmm.perf.model.ModelSnapshot;

/**
 * The core operations of issue 6, each with the model's side and the host kernel's over the
 * same range, and the model/host ratio the issue aims for.
 */
public enum Operation {
    SNAPSHOT("snapshot", 0.5, ModelSnapshot::new, HostSnapshot::new,
            "hmm_range_fault, no fault flag, populated range", "pread of /proc/self/pagemap"),
    FAULT_IN("fault-in", 0.1, ModelFaultIn::new, HostFaultIn::new,
            "hmm_range_fault REQ_FAULT|REQ_WRITE, fresh mapping", "MADV_POPULATE_WRITE, fresh mapping"),
    PIN("pin", 0.5, ModelPin::new, HostPin::new,
            "pin_user_pages(FOLL_WRITE|FOLL_LONGTERM) + unpin, 1 GiB a call, populated range",
            "io_uring REGISTER_BUFFERS + UNREGISTER_BUFFERS, 1 GiB buffers, populated range"),
    POPULATE_READ("populate-read", 0.5, ModelPopulateRead::new, HostPopulateRead::new,
            "MADV_POPULATE_READ, populated range", "MADV_POPULATE_READ, populated range"),
    MPROTECT("mprotect", 0.5, ModelMprotect::new, HostMprotect::new,
            "mprotect r <-> rw, populated range", "mprotect r <-> rw, populated range"),
    MUNMAP("munmap", 0.5, ModelMunmap::new, HostMunmap::new,
            "munmap, populated, mirrored by a dmirror device", "munmap, populated");

    private final String label;
    private final double target;
    private final BiFunction<Kind, Long, RangeOp> model;
    private final BiFunction<Kind, Long, RangeOp> host;
    private final String modelDoes;
    private final String hostDoes;

    Operation(String label, double target, BiFunction<Kind, Long, RangeOp> model, BiFunction<Kind, Long, RangeOp> host,
            String modelDoes, String hostDoes) {
        this.label = label;
        this.target = target;
        this.model = model;
        this.host = host;
        this.modelDoes = modelDoes;
        this.hostDoes = hostDoes;
    }

    public String label() {
        return label;
    }

    /** The largest model/host ratio that meets the target. */
    public double target() {
        return target;
    }

    public String modelDoes() {
        return modelDoes;
    }

    public String hostDoes() {
        return hostDoes;
    }

    /**
     * Null when {@code host} can run this operation's host side over {@code len} bytes of
     * {@code kind}, else why not: what {@link HostSupport#reason(Kind, long)} says, and for
     * the pin also whether io_uring can register buffers.
     */
    public String hostMissing(HostSupport host, Kind kind, long len) {
        String why = host.reason(kind, len);
        return why == null && this == PIN ? host.ioUringReason() : why;
    }

    /** The model's side over a range of {@code len} bytes on a machine of its own. */
    public RangeOp model(Kind kind, long len) {
        return model.apply(kind, len);
    }

    /** The host's side; only where {@link jhmm.perf.host.HostSupport} found no reason against it. */
    public RangeOp host(Kind kind, long len) {
        return host.apply(kind, len);
    }

    /** @throws IllegalArgumentException naming the known labels */
    public static Operation parse(String label) {
        String l = label.trim().toLowerCase(Locale.ROOT);
        return Arrays.stream(values()).filter(o -> o.label.equals(l)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown operation '" + label + "' (known: "
                        + Arrays.stream(values()).map(Operation::label).collect(Collectors.joining(", ")) + ")"));
    }

    @Override
    public String toString() {
        return label;
    }
}
