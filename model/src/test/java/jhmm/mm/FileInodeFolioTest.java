package jhmm.mm;

import static org.assertj.core.api.Assertions.assertThat;

import jhmm.base.PageSize;
import org.junit.jupiter.api.Test;

/** The folios a new file's page cache starts in: ext4's buffered write in 1 MiB calls (Linux 6.18). */
class FileInodeFolioTest {
    private static final long P = PageSize.PAGE_SIZE;

    private static int[][] folios(long size) {
        FileInode f = new FileInode(0, "f", size, false, null);
        int[][] out = new int[f.pages()][];
        int n = 0;
        for (int i = 0; i < f.pages(); i += f.folioPages(i)) {
            out[n++] = new int[] {f.folioStart(i), f.folioPages(i)};
        }
        return java.util.Arrays.copyOf(out, n);
    }

    @Test
    void newFileIsCachedInFoliosSizedByEachWriteCallsRemainingBytes() {
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
