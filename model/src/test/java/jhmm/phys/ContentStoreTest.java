package jhmm.phys;

import static org.assertj.core.api.Assertions.assertThat;

import jhmm.base.Pattern;
import org.junit.jupiter.api.Test;

/** The content store keeps descriptors only for chunks of pages that hold something other than zeros. */
class ContentStoreTest {
    private static final int PAGE = ContentStore.PAGE;
    private static final int CHUNK = ContentStore.CHUNK;

    private final ContentStore store = new ContentStore(4 * CHUNK);

    @Test
    void pagesNeverWrittenOrWrittenWithZerosCostNoChunk() {
        store.writePattern(3, 0, PAGE, Pattern.ZERO, 0);
        store.clear(CHUNK + 1);
        assertThat(store.isZero(3)).isTrue();
        assertThat(store.byteAt(2 * CHUNK, 17)).isZero();
        assertThat(store.allocatedChunks()).isZero();
    }

    @Test
    void aWrittenPageReadsBackAndOnlyItsChunkIsAllocated() {
        int page = 2 * CHUNK - 1;
        store.writePattern(page, 0, PAGE, Pattern.i32(5), 0);
        store.write(page + 1, 10, new byte[] {1, 2, 3}, 0, 3);
        assertThat(store.matches(page, 0, PAGE, Pattern.i32(5), 0)).isTrue();
        assertThat(store.byteAt(page + 1, 11)).isEqualTo((byte) 2);
        assertThat(store.isZero(page - 1)).isTrue();
        assertThat(store.allocatedChunks()).as("the last page of chunk 1, the first of chunk 2").isEqualTo(2);
        store.clear(page);
        assertThat(store.isZero(page)).isTrue();
    }

    @Test
    void copyingAZeroPageIntoAnotherStoreClearsTheTargetWithoutAllocating() {
        ContentStore dst = new ContentStore(CHUNK);
        dst.writePattern(0, 0, PAGE, Pattern.i32(1), 0);
        store.copyTo(5, dst, 0);
        store.copyTo(6, dst, 7);
        assertThat(dst.isZero(0)).isTrue();
        assertThat(dst.allocatedChunks()).isEqualTo(1);
        store.writePattern(5, 0, PAGE, Pattern.negI32(), 0);
        store.copyTo(5, dst, 1);
        assertThat(dst.matches(1, 0, PAGE, Pattern.negI32(), 0)).isTrue();
    }

    @Test
    void pagesAddedByGrowingStartZeroAndTakeContent() {
        store.grow(Sections.SIZE, Sections.SIZE + 3);
        int added = Sections.SIZE + 2;
        assertThat(store.isZero(added)).isTrue();
        store.writePattern(added, 0, PAGE, Pattern.i32(9), 0);
        assertThat(store.matches(added, 0, PAGE, Pattern.i32(9), 0)).isTrue();
    }

    @Test
    void clearingARangeAcrossChunksClearsExactlyItAndFreesItsBytes() {
        store.writePattern(CHUNK - 2, 0, PAGE, Pattern.i32(3), 0);
        store.write(CHUNK - 1, 5, new byte[] {7}, 0, 1); // irregular: kept as bytes
        store.writePattern(3 * CHUNK + 4, 0, PAGE, Pattern.i32(4), 0);
        store.writePattern(3 * CHUNK + 5, 0, PAGE, Pattern.i32(5), 0);
        store.clearRange(CHUNK - 1, 2 * CHUNK + 6); // to 3 * CHUNK + 5, leaving that page alone
        assertThat(store.matches(CHUNK - 2, 0, PAGE, Pattern.i32(3), 0)).as("before the range").isTrue();
        assertThat(store.isZero(CHUNK - 1)).isTrue();
        assertThat(store.isZero(3 * CHUNK + 4)).isTrue();
        assertThat(store.matches(3 * CHUNK + 5, 0, PAGE, Pattern.i32(5), 0)).as("past the range").isTrue();
        store.write(9, 1, new byte[] {8}, 0, 1);
        assertThat(store.byteAt(9, 1)).as("the freed byte bank is handed out again").isEqualTo((byte) 8);
    }
}
