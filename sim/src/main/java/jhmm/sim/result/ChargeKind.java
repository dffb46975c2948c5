package jhmm.sim.result;

import java.util.ArrayList;
import java.util.List;

/** One place a device's simulated time can go: its word in the reports and what it is. Implemented by the devices' charge enums. */
public interface ChargeKind {
    String word();

    String description();

    /** Each kind with the picoseconds charged to it: {@code ps[i]} for {@code kinds[i]}. */
    static List<TimeCharge> times(ChargeKind[] kinds, long[] ps) {
        List<TimeCharge> out = new ArrayList<>(kinds.length);
        for (int i = 0; i < kinds.length; i++) {
            out.add(new TimeCharge(kinds[i].word(), kinds[i].description(), ps[i]));
        }
        return out;
    }
}
