package jhmm.scenario;

import java.util.Optional;
import jhmm.base.Pattern;
import jhmm.scenario.Expectation.DataCheck;
import jhmm.scenario.Result.ReadData;

/** Compares read data with a pattern and, when they differ, says where and how. */
final class DataCompare {
    private DataCompare() {}

    /** Empty when {@code data} matches {@code check}; otherwise what was found instead. */
    static Optional<String> mismatch(ReadData data, DataCheck check) {
        byte[] bytes = data.bytes();
        long end = check.len().isPresent() ? check.off() + check.len().getAsLong() : bytes.length;
        if (check.off() > bytes.length || end > bytes.length) {
            return Optional.of("only " + bytes.length + " bytes of data");
        }
        Pattern p = check.pattern();
        int first = firstMismatch(data, p, (int) check.off(), (int) end);
        if (first < 0) {
            return Optional.empty();
        }
        long differing = 0;
        for (int i = first; i < end; i++) {
            if (bytes[i] != p.byteAt(data.origin() + i)) {
                differing++;
            }
        }
        return Optional.of(describe(data, p, first, (int) check.off(), (int) end)
                + " (" + differing + " of " + (end - check.off()) + " bytes differ)");
    }

    /** The index in [from, to) of the first byte of {@code data} that differs from the pattern, or -1. */
    static int firstMismatch(ReadData data, Pattern p, int from, int to) {
        return p.mismatch(data.origin() + from, data.bytes(), from, Math.max(0, to - from));
    }

    /** The 32-bit word around the first differing byte when it lies within the compared span, else the byte. */
    private static String describe(ReadData data, Pattern p, int first, int from, int to) {
        long mappingOff = data.origin() + first;
        long wordOff = mappingOff & ~3L;
        int index = (int) (wordOff - data.origin());
        if (index >= from && index + 4 <= to) {
            int actual = littleEndianInt(data.bytes(), index);
            return String.format("0x%08x at offset 0x%x where the pattern has 0x%08x",
                    actual, wordOff, p.wordAt(wordOff >>> 2));
        }
        return String.format("byte 0x%02x at offset 0x%x where the pattern has 0x%02x",
                data.bytes()[first], mappingOff, p.byteAt(mappingOff));
    }

    private static int littleEndianInt(byte[] b, int i) {
        return (b[i] & 0xff) | (b[i + 1] & 0xff) << 8 | (b[i + 2] & 0xff) << 16 | (b[i + 3] & 0xff) << 24;
    }
}
