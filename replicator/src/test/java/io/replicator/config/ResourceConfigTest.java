package io.replicator.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.replicator.core.Protocol;
import io.replicator.core.SplitBrainPolicy;
import io.replicator.nbd.server.ListenAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResourceConfigTest {
    @TempDir
    Path dir;

    @Test
    void fullFileWithEveryKey() throws Exception {
        Path file = ConfigFiles.write(dir, """
                resource: r0
                protocol: B
                secret-file: /etc/replicator/r0.secret
                size: 512MiB
                nodes:
                  beta:
                    replication: 10.0.0.2:7789
                    nbd: unix:/run/replicator/r0-beta.nbd
                    disk: /dev/vg0/r0
                    state-dir: /var/lib/replicator/r0/beta
                    control: /run/replicator/r0-beta.sock
                    http: 10.0.0.2:9789
                  alpha:
                    replication: 10.0.0.1:7789
                    nbd: 127.0.0.1:10809
                    disk: /var/lib/replicator/r0/alpha.img
                    state-dir: /var/lib/replicator/r0/alpha
                    control: /run/replicator/r0-alpha.sock
                    http: "[::1]:9789"
                net:
                  ping-interval: 500ms
                  ping-timeout: 3s
                  connect-interval: 2s
                  compression: lz4
                  tls-cert: /etc/replicator/tls/node.crt
                  tls-key: /etc/replicator/tls/node.key
                  tls-ca: /etc/replicator/tls/ca.crt
                  max-buffer: 128MiB
                journal:
                  max-size: 2GiB
                  max-age: 30m
                sync:
                  min-rate: 20MiB/s
                  max-rate: 100MiB/s
                nbd:
                  export: data
                  io-threads: 8
                  max-inflight: 128
                  min-block-size: 512
                split-brain:
                  after-sb-0pri: discard-zero-changes
                  after-sb-1pri: discard-secondary
                  after-sb-2pri: disconnect
                  handler: /usr/local/bin/page-oncall --resource r0
                """);

        ResourceConfig config = ResourceConfig.load(file);

        assertEquals(file, config.file());
        assertEquals("r0", config.resource());
        assertEquals(Protocol.B, config.protocol());
        assertEquals(Path.of("/etc/replicator/r0.secret"), config.secretFile());
        assertEquals(512L << 20, config.sizeBytes());
        assertEquals(List.of("beta", "alpha"), List.copyOf(config.nodes().keySet()), "file order is kept");
        assertEquals(new NodeConfig("beta", new ListenAddress.Tcp("10.0.0.2", 7789),
                new ListenAddress.Unix(Path.of("/run/replicator/r0-beta.nbd")), Path.of("/dev/vg0/r0"),
                Path.of("/var/lib/replicator/r0/beta"), Path.of("/run/replicator/r0-beta.sock"),
                new ListenAddress.Tcp("10.0.0.2", 9789)), config.node("beta"));
        assertEquals(new NodeConfig("alpha", new ListenAddress.Tcp("10.0.0.1", 7789),
                new ListenAddress.Tcp("127.0.0.1", 10809), Path.of("/var/lib/replicator/r0/alpha.img"),
                Path.of("/var/lib/replicator/r0/alpha"), Path.of("/run/replicator/r0-alpha.sock"),
                new ListenAddress.Tcp("::1", 9789)), config.node("alpha"));
        assertEquals(new NetOptions(Duration.ofMillis(500), Duration.ofSeconds(3), Duration.ofSeconds(2), Compression.lz4,
                Path.of("/etc/replicator/tls/node.crt"), Path.of("/etc/replicator/tls/node.key"),
                Path.of("/etc/replicator/tls/ca.crt"), 128L << 20), config.net());
        assertTrue(config.net().tls());
        assertEquals(new JournalOptions(2L << 30, Duration.ofMinutes(30)), config.journal());
        assertEquals(new SyncOptions(20L << 20, 100L << 20), config.sync());
        assertEquals(new NbdOptions("data", 8, 128, 512), config.nbd());
        assertEquals(new SplitBrainOptions(new SplitBrainPolicy(SplitBrainPolicy.ZeroPrimaries.discard_zero_changes,
                SplitBrainPolicy.OnePrimary.discard_secondary, SplitBrainPolicy.TwoPrimaries.disconnect),
                "/usr/local/bin/page-oncall --resource r0"), config.splitBrain());
    }

    @Test
    void defaultsWhenOptionalKeysAreAbsent() throws Exception {
        ResourceConfig config = ResourceConfig.load(ConfigFiles.write(dir, ConfigFiles.MINIMAL));

        assertEquals(Protocol.C, config.protocol());
        assertEquals(new NetOptions(Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(1), Compression.none,
                null, null, null, 64L << 20), config.net());
        assertFalse(config.net().tls());
        assertEquals(new JournalOptions(1L << 30, Duration.ofHours(1)), config.journal());
        assertEquals(new SyncOptions(SyncOptions.DEFAULT_MIN_RATE, 0), config.sync());
        assertEquals(new NbdOptions("r0", 16, 64, 1), config.nbd());
        assertEquals(new SplitBrainOptions(SplitBrainPolicy.DISCONNECT, null), config.splitBrain(), "nothing is discarded by default");
        assertNull(config.node("alpha").http());
    }

    @Test
    void emptySectionsAndKeysWithoutValueMeanDefaults() throws Exception {
        String text = ConfigFiles.MINIMAL + """
                net:
                  # everything commented out
                journal: {}
                sync:
                nbd:
                  export:
                """;
        ResourceConfig config = ResourceConfig.load(ConfigFiles.write(dir, text));

        assertEquals(Duration.ofSeconds(5), config.net().pingTimeout());
        assertEquals(1L << 30, config.journal().maxSizeBytes());
        assertEquals("r0", config.nbd().export());
    }

    @Test
    void relativePathsResolveAgainstTheConfigDirectory() throws Exception {
        String text = ConfigFiles.minimalWith("nbd: 127.0.0.1:10810", "nbd: unix:run/../beta.nbd")
                + """
                net:
                  tls-cert: tls/node.crt
                  tls-key: ./tls/node.key
                  tls-ca: ../ca.crt
                """;
        ResourceConfig config = ResourceConfig.load(ConfigFiles.write(dir, text));

        assertEquals(dir.resolve("r0.secret"), config.secretFile());
        NodeConfig alpha = config.node("alpha");
        assertEquals(dir.resolve("alpha.img"), alpha.disk());
        assertEquals(dir.resolve("alpha"), alpha.stateDir());
        assertEquals(dir.resolve("alpha.sock"), alpha.control());
        assertEquals(new ListenAddress.Unix(dir.resolve("beta.nbd")), config.node("beta").nbd());
        assertEquals(dir.resolve("tls/node.crt"), config.net().tlsCert());
        assertEquals(dir.resolve("tls/node.key"), config.net().tlsKey());
        assertEquals(dir.getParent().resolve("ca.crt"), config.net().tlsCa());
    }

    @Test
    void sizesInEveryAcceptedForm() throws Exception {
        for (String size : List.of("1GiB", "1G", "1024M", "1048576K", "1073741824", "1GB", "1 GiB")) {
            ResourceConfig config = ResourceConfig.load(ConfigFiles.write(dir,
                    ConfigFiles.minimalWith("size: 1GiB", "size: " + size)));
            assertEquals(1L << 30, config.sizeBytes(), size);
        }
    }

    @Test
    void scalarsKeepTheTextAsWritten() throws Exception {
        ResourceConfig config = ResourceConfig.load(ConfigFiles.write(dir,
                ConfigFiles.minimalWith("resource: r0", "resource: 007")));

        assertEquals("007", config.resource(), "YAML would read 007 as the number 7");
        assertEquals("007", config.nbd().export());
    }

    @Test
    void nodeAndPeerLookup() throws Exception {
        Path file = ConfigFiles.write(dir, ConfigFiles.MINIMAL);
        ResourceConfig config = ResourceConfig.load(file);

        assertEquals("beta", config.peerOf("alpha").name());
        assertEquals("alpha", config.peerOf("beta").name());
        ConfigException e = assertThrows(ConfigException.class, () -> config.node("gamma"));
        assertEquals(file + ": node 'gamma' is not in nodes (known: alpha, beta)", e.getMessage());
        e = assertThrows(ConfigException.class, () -> config.peerOf("gamma"));
        assertEquals(file + ": node 'gamma' is not in nodes (known: alpha, beta)", e.getMessage());
    }

    @Test
    void nodesMapIsReadOnly() throws Exception {
        ResourceConfig config = ResourceConfig.load(ConfigFiles.write(dir, ConfigFiles.MINIMAL));

        assertThrows(UnsupportedOperationException.class, () -> config.nodes().remove("alpha"));
    }

    @Test
    void defaultNodeNameIsNeverBlank() {
        assertFalse(ResourceConfig.defaultNodeName().isBlank());
    }
}
