package jhmm.sim.cost;

import com.typesafe.config.Config;

/**
 * What a NIC and Linux's memory work for it cost in simulated time, in picoseconds: the {@code
 * jhmm.sim.cost.nic} section of the configuration, with the Linux costs a NIC's faults and the
 * process's events between rounds add to the GPU's ({@code copy-page}, swap).
 */
public record NicCostModel(long latency, double bytesPerSecond, long regMr, long mttEntry, long umr, long faultDelivery,
        long driverFault, long rnrTimer, long copyPage, long swapOutPage, long swapInPage) {

    public static NicCostModel from(Config root) {
        Config c = root.getConfig("jhmm.sim.cost");
        double bandwidth = c.getDouble("nic.bandwidth");
        if (!(bandwidth > 0)) {
            throw new IllegalArgumentException("jhmm.sim.cost.nic.bandwidth must be above 0 bytes/s");
        }
        long rnr = CostModel.ps(c, "nic.rnr-timer");
        if (rnr == 0) {
            throw new IllegalArgumentException("jhmm.sim.cost.nic.rnr-timer must be above 0");
        }
        return new NicCostModel(CostModel.ps(c, "nic.latency"), bandwidth, CostModel.ps(c, "nic.reg-mr"),
                CostModel.ps(c, "nic.mtt-entry"), CostModel.ps(c, "nic.umr"), CostModel.ps(c, "nic.fault-delivery"),
                CostModel.ps(c, "nic.driver-fault"), rnr, CostModel.ps(c, "linux.copy-page"),
                CostModel.ps(c, "linux.swap-out-page"), CostModel.ps(c, "linux.swap-in-page"));
    }

    /** An operation's bytes on the wire at the port's rate. */
    public long wire(long bytes) {
        return Math.round(bytes * 1e12 / bytesPerSecond);
    }
}
