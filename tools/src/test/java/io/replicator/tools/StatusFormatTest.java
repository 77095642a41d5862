package io.replicator.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.replicator.control.NodeStatus;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Golden files keep the operator's view stable, as drbd-utils' tests do for drbdadm. */
class StatusFormatTest {

    static String golden(String name) throws IOException {
        try (InputStream in = StatusFormatTest.class.getResourceAsStream("status/" + name + ".txt")) {
            assertNotNull(in, "golden file status/" + name + ".txt");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static void assertGolden(String name, NodeStatus status) throws IOException {
        assertEquals(golden(name), StatusFormat.human(status), name);
    }

    @Test
    void connectedAndEstablished() throws IOException {
        assertGolden("established", Statuses.established());
    }

    @Test
    void syncingShowsKindProgressBarEtaAndOutOfSync() throws IOException {
        assertGolden("syncing", Statuses.syncing());
    }

    @Test
    void aPrimaryWithoutItsPeerSaysItIsDegraded() throws IOException {
        assertGolden("degraded", Statuses.degraded());
    }

    @Test
    void theLastErrorHasItsOwnLine() throws IOException {
        assertGolden("standalone-error", Statuses.standAloneWithError());
    }

    @Test
    void aSplitBrainAndTheSavedBlocksHaveTheirLines() throws IOException {
        assertGolden("split-brain", Statuses.splitBrain());
    }

    @Test
    void showGiPrintsCurrentBitmapAndHistory() throws IOException {
        assertEquals(golden("show-gi"), ShowGiCommand.human(Statuses.splitBrain()));
    }

    @Test
    void anUnknownProgressAndEtaShowAsQuestionMarks() throws IOException {
        assertGolden("sync-target", Statuses.syncTarget());
    }

    @Test
    void theBarFillsByTwentieths() {
        assertEquals(">                   ", StatusFormat.bar(0.0));
        assertEquals(">                   ", StatusFormat.bar(0.049));
        assertEquals("=>                  ", StatusFormat.bar(0.05));
        assertEquals("===================>", StatusFormat.bar(0.999));
        assertEquals("====================", StatusFormat.bar(1.0));
        assertEquals("====================", StatusFormat.bar(1.5));
        assertEquals(">                   ", StatusFormat.bar(-1.0));
        assertEquals(">                   ", StatusFormat.bar(Double.NaN));
        assertEquals("100.0%", StatusFormat.percent(1.0));
        assertEquals("0.0%", StatusFormat.percent(0.0));
    }

    @Test
    void durationsAndSizesReadAsOperatorsWriteThem() {
        assertEquals("0s", StatusFormat.duration(0L));
        assertEquals("59s", StatusFormat.duration(59L));
        assertEquals("1m00s", StatusFormat.duration(60L));
        assertEquals("59m59s", StatusFormat.duration(3599L));
        assertEquals("1h02m", StatusFormat.duration(3725L));
        assertEquals("?", StatusFormat.duration(null));
        assertEquals("0 B", StatusFormat.bytes(0));
        assertEquals("1023 B", StatusFormat.bytes(1023));
        assertEquals("1.0 KiB", StatusFormat.bytes(1024));
        assertEquals("1.5 MiB", StatusFormat.bytes(3L << 19));
        assertEquals("120 MiB", StatusFormat.bytes(120L << 20));
        assertEquals("8.0 EiB", StatusFormat.bytes(Long.MAX_VALUE));
    }
}
