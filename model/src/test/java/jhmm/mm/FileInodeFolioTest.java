package jhmm.mm;

import static org.assertj.core.api.Assertions.assertThat;

import jhmm.base.PageSize;
import org.junit.jupiter.api.Test;

/** The folios a new file's page cache starts in: ext4's buffered write (Linux 6.18) in calls of a given size. */
class FileInodeFolioTest {
    private static final long P = PageSize.PAGE_SIZE;

    /** {first page, pages} of each folio of a file of {@code size} bytes written in 1 MiB calls. */
    private static int[][] folios(long size) {
        int pages = (int) ((size + P - 1) / P);
        int[] start = FileInode.writeFolios(size, pages, 1L << 20);
        java.util.List<int[]> out = new java.util.ArrayList<>();
        for (int i = 0; i < pages; ) {
            int n = 1;
            while (i + n < pages && start[i + n] == start[i]) {
                n++;
            }
            out.add(new int[] {start[i], n});
            i += n;
        }
        return out.toArray(new int[0][]);
    }

    @Test
    void fileWrittenAPageAtATimeIsCachedInSinglePages() {
        FileInode f = new FileInode(0, "f", 40 * P, false, null);
        for (int i = 0; i < 40; i++) {
            assertThat(f.folioPages(i)).isEqualTo(1);
        }
    }

    @Test
    void fileWrittenInLargeCallsIsCachedInFoliosSizedByEachCallsRemainingBytes() {
        assertThat(folios(10 * P)).isDeepEqualTo(new int[][] {{0, 8}, {8, 2}});
        assertThat(folios(7 * P + 100)).isDeepEqualTo(new int[][] {{0, 4}, {4, 2}, {6, 1}, {7, 1}});
        assertThat(folios(300 * P)).isDeepEqualTo(new int[][] {{0, 256}, {256, 32}, {288, 8}, {296, 4}});
    }

    @Test
    void shmemIsCachedInSmallFolios() {
        FileInode f = new FileInode(0, null, 8 * P, true, null);
        assertThat(f.folioPages(0)).isEqualTo(1);
    }

    @Test
    void aSplitFolioIsSinglePages() {
        FileInode f = new FileInode(0, "f", 8 * P, false, null);
        f.splitFolio(3);
        assertThat(f.folioPages(0)).isEqualTo(1);
        assertThat(f.folioStart(5)).isEqualTo(5);
    }
}
