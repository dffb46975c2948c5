package jhmm.stress;

/**
 * One region of the stressed process that a single CPU thread owns: mapped or not, its
 * protection, and what each page must read as (0: zero-filled, else the pattern constant the
 * thread last wrote there), so that every CPU read checks that no store was lost.
 */
final class Slot {
    static final int UNMAPPED = -1;
    final long addr;
    final int pages;
    /** The protection it is mapped with, or {@link #UNMAPPED}. */
    int prot = UNMAPPED;
    /** Per page: 0 for zero-filled, else c of the Pattern.i32(c) written over it from its start. */
    final int[] expected;
    /** The last operations on the slot (names and first pages, a ring), for a violation's report. */
    private final String[] recentOps = new String[8];
    private final int[] recentPages = new int[8];
    private int recent;

    Slot(long addr, int pages) {
        this.addr = addr;
        this.pages = pages;
        this.expected = new int[pages];
    }

    long pageAddr(int page) {
        return addr + ((long) page << 12);
    }

    void did(String op, int firstPage) {
        recentOps[recent % recentOps.length] = op;
        recentPages[recent % recentOps.length] = firstPage;
        recent++;
    }

    /** The last operations, oldest first. */
    String history() {
        StringBuilder b = new StringBuilder();
        for (int i = Math.max(0, recent - recentOps.length); i < recent; i++) {
            b.append(i == Math.max(0, recent - recentOps.length) ? "" : ", ").append(recentOps[i % recentOps.length])
                    .append('@').append(recentPages[i % recentOps.length]);
        }
        return b.toString();
    }
}
