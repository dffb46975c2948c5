package jhmm.scenario;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import jhmm.base.Errno;

/**
 * What one command produced: success or an errno, and where the command yields them the data
 * it read, its counters and per-page protection codes.
 */
public record Result(int errno, Optional<ReadData> data, Map<String, Long> counters, List<String> prot) {
    public static final Result OK = new Result(0, Optional.empty(), Map.of(), List.of());

    /** Bytes a command read; {@code origin} is the mapping offset of {@code bytes[0]}. */
    public record ReadData(byte[] bytes, long origin) {}

    /** The result of a call that returns {@code >= 0} or {@code -errno}. */
    public static Result ofReturn(long ret) {
        return Errno.isError(ret) ? error((int) -ret) : OK;
    }

    public static Result error(int errno) {
        return new Result(errno, Optional.empty(), Map.of(), List.of());
    }

    public static Result read(byte[] bytes, long origin) {
        return new Result(0, Optional.of(new ReadData(bytes, origin)), Map.of(), List.of());
    }

    /** Data a device read, with the ioctl's counters. */
    public static Result readWithCounters(byte[] bytes, long origin, Map<String, Long> counters) {
        return new Result(0, Optional.of(new ReadData(bytes, origin)), Map.copyOf(counters), List.of());
    }

    /** Snapshot codes, one per page, with the ioctl's counters. */
    public static Result protection(List<String> codes, Map<String, Long> counters) {
        return new Result(0, Optional.empty(), Map.copyOf(counters), List.copyOf(codes));
    }

    public static Result counters(Map<String, Long> counters) {
        return new Result(0, Optional.empty(), Map.copyOf(counters), List.of());
    }

    public boolean ok() {
        return errno == 0;
    }

    /** {@code ok} or the errno's name, as an expectation spells it. */
    public String outcome() {
        return ok() ? "ok" : Errno.name(errno);
    }
}
