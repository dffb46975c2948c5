package jhmm.base;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The one size reader of scenario files and command-line options. */
class ByteSizeTest {
    @ParameterizedTest
    @CsvSource({"4096, 4096", "0x1000, 4096", "3p, 12288", "4K, 4096", "2M, 2097152", "1G, 1073741824",
        "1T, 1099511627776", "0x10G, 17179869184", "8191T, 9006099743113216"})
    void readsSuffixesAsPowersOf1024AndPages(String word, long bytes) {
        assertThat(ByteSize.parse(word)).hasValue(bytes);
    }

    /** T was once the kernel test's 2 MiB THP on the command line: now it is a TiB everywhere. */
    @Test
    void aTIsATebibyteNotATransparentHugePage() {
        assertThat(ByteSize.parse("1T")).hasValue(1L << 40);
        assertThat(ByteSize.parse("T/4")).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "K", "1k", "1m", "1.5G", "-1", "1 G", "1P", "1GB", "8388608T", "9223372036854775808", "0x"})
    void refusesWhatIsNoSizeOrOverflows(String word) {
        assertThat(ByteSize.parse(word)).isEqualTo(OptionalLong.empty());
        assertThatThrownBy(() -> ByteSize.require(word)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("bad SIZE '" + word + "' (" + ByteSize.HINT + ")");
    }

    @Test
    void formatsInTheUnitsUsersWrite() {
        assertThat(ByteSize.format(4096L << 30)).isEqualTo("4096G");
        assertThat(ByteSize.format(64L << 20)).isEqualTo("64M");
        assertThat(ByteSize.format(6333399040L)).isEqualTo("5.9G");
        assertThat(ByteSize.format(1000)).isEqualTo("1000");
    }
}
