package io.replicator.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class SizesAndDurationsTest {

    @ParameterizedTest
    @CsvSource({"4096, 4096", "4KiB, 4096", "4k, 4096", "4KB, 4096", "512MiB, 536870912", "1G, 1073741824",
            "1 GiB, 1073741824", "2T, 2199023255552", "7B, 7", " 1M , 1048576"})
    void parse(String text, long bytes) {
        assertEquals(bytes, Sizes.parse(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "G", "1iB", "1.5G", "-1G", "1 G B", "1GiBs", "0x1000", "1_000", "8388608T",
            "99999999999999999999"})
    void refusedSizes(String text) {
        assertThrows(IllegalArgumentException.class, () -> Sizes.parse(text));
    }

    @ParameterizedTest
    @CsvSource({"0, 0", "4095, 4095", "4096, 4KiB", "1048576, 1MiB", "1049600, 1025KiB", "1073741824, 1GiB",
            "3298534883328, 3TiB"})
    void format(long bytes, String text) {
        assertEquals(text, Sizes.format(bytes));
    }

    @ParameterizedTest
    @CsvSource({"500ms, 500", "5s, 5000", "1m, 60000", "1h, 3600000", "0s, 0", "90 s, 90000"})
    void parseDurations(String text, long ms) {
        assertEquals(Duration.ofMillis(ms), Durations.parse(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "5", "s", "5S", "1.5s", "-1s", "1d", "5 parsecs", "1h30m", "9223372036854775808ms",
            "9999999999999999999h"})
    void refusedDurations(String text) {
        assertThrows(IllegalArgumentException.class, () -> Durations.parse(text));
    }

    @ParameterizedTest
    @CsvSource({"0, 0s", "1, 1ms", "1500, 1500ms", "2000, 2s", "90000, 90s", "120000, 2m", "7200000, 2h"})
    void formatDurations(long ms, String text) {
        assertEquals(text, Durations.format(Duration.ofMillis(ms)));
    }
}
