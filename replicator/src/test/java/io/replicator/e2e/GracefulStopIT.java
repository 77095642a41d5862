package io.replicator.e2e;

import static io.replicator.e2e.Volumes.MIB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** SIGTERM: the server finishes what it acknowledged, flushes, closes its connections and exits 0. */
@ExtendWith(ServerLogOnFailure.class)
class GracefulStopIT {

    private static final int BLOCK_BYTES = 4096;
    private static final int MAX_BLOCKS = 16384; // the whole 64 MiB: more than can be written before SIGTERM lands
    private static final int QUEUE_DEPTH = 16;

    @TempDir
    Path dir;
    Path volume;
    NbdServerProcess server;

    @BeforeEach
    void startServer() {
        volume = dir.resolve("vol.img");
        server = NbdServerProcess.start(dir, "--volume", volume.toString(), "--size", "64M");
    }

    @AfterEach
    void closeServer() {
        server.close();
    }

    @Test
    void dataWrittenBeforeSigtermIsInTheBackingFile() {
        ExternalTool.runOk(ExternalTool.SHORT, "qemu-io", "-f", "raw", "-c", "write -P 0x5c 1M 2M", server.uri());
        server.stop();
        Volumes.assertFilled(volume, 0, MIB, 0);
        Volumes.assertFilled(volume, MIB, 2 * MIB, 0x5c);
        Volumes.assertFilled(volume, 3 * MIB, MIB, 0);
    }

    @Test
    void sigtermWithAnIdleClientConnectedStillExits() {
        try (RawNbdClient idle = RawNbdClient.open(server.port(), "volume")) {
            assertEquals(512, idle.read(0, 512).length);
            server.stop(); // fails if the idle connection keeps the server up
            idle.assertClosedWithoutReply(Duration.ofSeconds(5));
        }
    }

    /**
     * Keeps 16 writes in flight until the server goes away; every write acknowledged before it exited
     * must be in the backing file.
     */
    @Test
    void everyWriteAcknowledgedBeforeSigtermIsOnDisk() throws Exception {
        Set<Integer> acknowledged = ConcurrentHashMap.newKeySet();
        CountDownLatch hundredAcknowledged = new CountDownLatch(100);
        RawNbdClient client = RawNbdClient.open(server.port(), "volume");
        CompletableFuture<String> writer = CompletableFuture.supplyAsync(
                () -> writeUntilRefused(client, acknowledged, hundredAcknowledged));
        writer.whenComplete((result, e) -> { // a writer that stops early must not leave us waiting
            for (int i = 0; i < 100; i++) {
                hundredAcknowledged.countDown();
            }
        });
        hundredAcknowledged.await(30, TimeUnit.SECONDS);
        assertTrue(acknowledged.size() >= 100 && !writer.isDone(),
                "writer should be busy after 100 writes: " + acknowledged.size() + " acknowledged, "
                        + (writer.isDone() ? writer.join() : "running"));
        server.stop();
        String howItEnded = writer.get(30, TimeUnit.SECONDS);
        System.out.println("graceful stop: " + acknowledged.size() + " writes acknowledged; writer: " + howItEnded);

        try (RandomAccessFile file = new RandomAccessFile(volume.toFile(), "r")) {
            byte[] actual = new byte[BLOCK_BYTES];
            for (int i : new TreeSet<>(acknowledged)) {
                file.seek((long) i * BLOCK_BYTES);
                file.readFully(actual);
                if (!Arrays.equals(block(i), actual)) {
                    fail("acknowledged block " + i + " (of " + acknowledged.size() + ") is not on disk after SIGTERM; "
                            + "writer: " + howItEnded);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String writeUntilRefused(RawNbdClient client, Set<Integer> acknowledged, CountDownLatch progress) {
        Map<Long, Integer> inFlight = new HashMap<>();
        int next = 0;
        try (client) {
            while (next < MAX_BLOCKS || !inFlight.isEmpty()) {
                while (inFlight.size() < QUEUE_DEPTH && next < MAX_BLOCKS) {
                    inFlight.put(client.sendWrite((long) next * BLOCK_BYTES, block(next)), next);
                    next++;
                }
                RawNbdClient.Reply reply = client.readReply();
                Integer blockNumber = inFlight.remove(reply.cookie());
                if (blockNumber == null) {
                    throw new AssertionError("reply to unknown cookie " + reply.cookie() + "; in flight: " + inFlight);
                }
                if (reply.error() != 0) {
                    return "write " + blockNumber + " got error " + reply.error() + " with " + inFlight.size() + " in flight";
                }
                acknowledged.add(blockNumber);
                progress.countDown();
            }
            return "wrote all blocks";
        } catch (UncheckedIOException e) {
            return "connection ended with " + inFlight.size() + " in flight: " + e.getCause();
        }
    }

    /** Block {@code i}: its number in every int, so a misplaced block is as visible as a missing one. */
    private static byte[] block(int i) {
        byte[] data = new byte[BLOCK_BYTES];
        for (int p = 0; p < BLOCK_BYTES; p += 4) {
            data[p] = (byte) (i >>> 24);
            data[p + 1] = (byte) (i >>> 16);
            data[p + 2] = (byte) (i >>> 8);
            data[p + 3] = (byte) (i | 1); // never all zero
        }
        return data;
    }
}
