package jhmm.scenario;

import java.util.OptionalLong;

/** The {@code off=} and {@code len=} of a command, relative to a mapping; by default all of it. */
public record Range(long off, OptionalLong len) {
    public static final Range WHOLE = new Range(0, OptionalLong.empty());

    /** The length this range covers in a mapping of {@code mappingLength} bytes. */
    public long length(long mappingLength) {
        return len.orElse(Math.max(0, mappingLength - off));
    }

    /** True when the range covers all of a mapping of {@code mappingLength} bytes. */
    public boolean covers(long mappingLength) {
        return off == 0 && length(mappingLength) >= mappingLength;
    }
}
