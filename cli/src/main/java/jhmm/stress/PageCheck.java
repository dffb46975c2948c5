package jhmm.stress;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/** What a page read back may hold: all zeros, or Pattern.i32(c) placed at the page's start (word k = k + c). */
final class PageCheck {
    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final int WORDS = 1024;

    private PageCheck() {}

    /** Whether page {@code page} of {@code buf} holds exactly what {@code expected} (0: zeros) says. */
    static boolean holds(byte[] buf, int page, int expected) {
        int base = page << 12;
        for (int k = 0; k < WORDS; k++) {
            int w = (int) INT.get(buf, base + 4 * k);
            if (w != (expected == 0 ? 0 : k + expected)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether the page holds something a CPU thread wrote or zeros, whole: a device may read a
     * page while its owner rewrites it, but never a mix of two writes or of bytes from elsewhere.
     */
    static boolean whole(byte[] buf, int page) {
        int first = (int) INT.get(buf, page << 12);
        return holds(buf, page, first) || (first == 0 && holds(buf, page, 0));
    }
}
