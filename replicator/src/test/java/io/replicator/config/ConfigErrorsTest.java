package io.replicator.config;

import static io.replicator.config.ConfigFiles.MINIMAL;
import static io.replicator.config.ConfigFiles.minimalWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every kind of bad file: each message names the file, the full key path and the reason. */
class ConfigErrorsTest {
    private static final String ALPHA_NODE = """
              alpha:
                replication: 127.0.0.1:7789
                nbd: 127.0.0.1:10809
                disk: alpha.img
                state-dir: alpha
                control: alpha.sock
            """;

    @TempDir
    Path dir;

    private void assertRefused(String text, String expected) {
        Path file = ConfigFiles.write(dir, text);
        ConfigException e = assertThrows(ConfigException.class, () -> ResourceConfig.load(file));
        assertEquals(file + ": " + expected, e.getMessage());
    }

    @Test
    void unknownTopLevelKey() {
        assertRefused(MINIMAL + "protocl: C\n",
                "protocl: unknown key (known: resource, protocol, secret-file, size, nodes, net, journal, sync, nbd, split-brain, activity-log)");
    }

    @Test
    void unknownNodeKey() {
        assertRefused(minimalWith("    disk: beta.img", "    dsk: beta.img"),
                "nodes.beta.dsk: unknown key (known: replication, nbd, disk, state-dir, control, http)");
    }

    @Test
    void aMinimumResyncRateAboveTheMaximum() {
        assertRefused(MINIMAL + "sync:\n  min-rate: 50MiB/s\n  max-rate: 10MiB/s\n",
                "sync.min-rate: 50MiB/s is above max-rate 10MiB/s (expected: at most the maximum)");
    }

    @Test
    void unknownSplitBrainPolicy() {
        assertRefused(MINIMAL + "split-brain:\n  after-sb-1pri: discard-younger-primary\n",
                "split-brain.after-sb-1pri: \"discard-younger-primary\" is not a policy for a split brain with one Primary"
                        + " (expected: disconnect | consensus | discard-secondary)");
    }

    @Test
    void unknownKeyInAnOptionSection() {
        assertRefused(MINIMAL + "journal:\n  max-sise: 1GiB\n", "journal.max-sise: unknown key (known: max-size, max-age)");
    }

    @Test
    void missingRequiredKey() {
        assertRefused(minimalWith("    disk: beta.img\n", ""),
                "nodes.beta.disk: missing (expected: a path to the backing file or block device)");
    }

    @Test
    void missingResource() {
        assertRefused(minimalWith("resource: r0\n", ""),
                "resource: missing (expected: resource name, 1 to 64 of A-Z a-z 0-9 _ . -)");
    }

    @Test
    void requiredKeyWithoutValue() {
        assertRefused(minimalWith("secret-file: r0.secret", "secret-file:"),
                "secret-file: no value (expected: a path to the shared secret, mode 600, at least 16 bytes)");
    }

    @Test
    void badResourceName() {
        assertRefused(minimalWith("resource: r0", "resource: r0/data"),
                "resource: \"r0/data\" is not a valid resource name (expected: 1 to 64 of A-Z a-z 0-9 _ . -)");
    }

    @Test
    void badProtocol() {
        assertRefused(MINIMAL + "protocol: D\n", "protocol: \"D\" is not a replication protocol (expected: A | B | C)");
    }

    @Test
    void badSize() {
        assertRefused(minimalWith("size: 1GiB", "size: 1 parsec"),
                "size: \"1 parsec\" is not a size (expected e.g. 1GiB, 512MiB, 4096)");
    }

    @Test
    void zeroSize() {
        assertRefused(minimalWith("size: 1GiB", "size: 0"),
                "size: \"0\" is not a positive size (expected e.g. 1GiB, 512MiB, 4096)");
    }

    @Test
    void sizeNotAMultipleOf4096() {
        assertRefused(minimalWith("size: 1GiB", "size: 4097"),
                "size: 4097 bytes is not a multiple of 4096 (expected: the volume size, a positive multiple of 4096 such as 1GiB)");
    }

    @Test
    void badDuration() {
        assertRefused(MINIMAL + "net:\n  ping-timeout: 5 parsecs\n",
                "net.ping-timeout: \"5 parsecs\" is not a duration (expected e.g. 500ms, 5s, 1m)");
    }

    @Test
    void durationWithoutUnit() {
        assertRefused(MINIMAL + "net:\n  connect-interval: 5\n",
                "net.connect-interval: \"5\" is not a duration (expected e.g. 500ms, 5s, 1m)");
    }

    @Test
    void zeroDuration() {
        assertRefused(MINIMAL + "journal:\n  max-age: 0s\n",
                "journal.max-age: 0s is out of range (expected: more than 0, at most 8760h)");
    }

    @Test
    void pingTimeoutNotLongerThanPingInterval() {
        assertRefused(MINIMAL + "net:\n  ping-interval: 2s\n  ping-timeout: 2000ms\n",
                "net.ping-timeout: 2s is not longer than net.ping-interval 2s"
                        + " (expected: ping-timeout > ping-interval, so that a timeout means pings were lost)");
    }

    @Test
    void defaultPingTimeoutNotLongerThanPingInterval() {
        assertRefused(MINIMAL + "net:\n  ping-interval: 10s\n",
                "net.ping-timeout: 5s (the default) is not longer than net.ping-interval 10s"
                        + " (expected: ping-timeout > ping-interval, so that a timeout means pings were lost)");
    }

    @Test
    void threeNodes() {
        assertRefused(MINIMAL + ALPHA_NODE.replace("alpha", "gamma"),
                "nodes: 3 nodes (alpha, beta, gamma) (expected: exactly 2, the pair)");
    }

    @Test
    void oneNode() {
        assertRefused(MINIMAL.substring(0, MINIMAL.indexOf("  beta:")),
                "nodes: 1 node (alpha) (expected: exactly 2, the pair)");
    }

    @Test
    void missingNodes() {
        assertRefused(MINIMAL.substring(0, MINIMAL.indexOf("nodes:")), "nodes: missing (expected: exactly two nodes, "
                + "each a mapping of replication, nbd, disk, state-dir, control, http)");
    }

    @Test
    void badNodeName() {
        assertRefused(minimalWith("  beta:", "  \"beta node\":"),
                "nodes: \"beta node\" is not a valid node name (expected: 1 to 64 of A-Z a-z 0-9 _ . -)");
    }

    @Test
    void duplicateReplicationAddressBetweenNodes() {
        assertRefused(minimalWith("replication: 127.0.0.1:7790", "replication: 127.0.0.1:7789"),
                "nodes.beta.replication: 127.0.0.1:7789 is also used by nodes.alpha.replication"
                        + " (expected: the two nodes' replication addresses differ)");
    }

    @Test
    void duplicateAddressWithinANode() {
        assertRefused(minimalWith("    control: beta.sock", "    control: beta.sock\n    http: 127.0.0.1:10810"),
                "nodes.beta.http: 127.0.0.1:10810 is also used by nodes.beta.nbd"
                        + " (expected: each address and path of a node distinct)");
    }

    @Test
    void duplicatePathWithinANodeAfterResolution() {
        assertRefused(minimalWith("state-dir: beta", "state-dir: ./x/../beta.img"),
                "nodes.beta.state-dir: " + dir.resolve("beta.img") + " is also used by nodes.beta.disk"
                        + " (expected: each address and path of a node distinct)");
    }

    @Test
    void twoHostsMayUseTheSamePathsAndLocalNbdAddress() throws Exception {
        String text = MINIMAL.replace("nbd: 127.0.0.1:10810", "nbd: 127.0.0.1:10809")
                .replace("disk: beta.img", "disk: alpha.img").replace("state-dir: beta", "state-dir: alpha")
                .replace("control: beta.sock", "control: alpha.sock");
        ResourceConfig config = ResourceConfig.load(ConfigFiles.write(dir, text));
        org.junit.jupiter.api.Assertions.assertEquals(config.node("alpha").disk(), config.node("beta").disk());
    }

    @Test
    void tlsPartiallySet() {
        assertRefused(MINIMAL + "net:\n  tls-cert: node.crt\n  tls-ca: ca.crt\n",
                "net.tls-key: missing while net.tls-cert and net.tls-ca are set"
                        + " (expected: tls-cert, tls-key and tls-ca all set for TLS, or none)");
    }

    @Test
    void replicationAddressIsNotHostPort() {
        assertRefused(minimalWith("replication: 127.0.0.1:7789", "replication: 127.0.0.1"),
                "nodes.alpha.replication: \"127.0.0.1\" is not HOST:PORT"
                        + " (expected: HOST:PORT with PORT 1-65535, e.g. 127.0.0.1:7789)");
    }

    @Test
    void replicationAddressIsAUnixSocket() {
        assertRefused(minimalWith("replication: 127.0.0.1:7789", "replication: unix:/run/r0.sock"),
                "nodes.alpha.replication: \"unix:/run/r0.sock\" is a Unix socket"
                        + " (expected: HOST:PORT with PORT 1-65535, e.g. 127.0.0.1:7789)");
    }

    @Test
    void portOutOfRange() {
        assertRefused(minimalWith("nbd: 127.0.0.1:10809", "nbd: 127.0.0.1:0"),
                "nodes.alpha.nbd: \"127.0.0.1:0\" is not HOST:PORT (expected: HOST:PORT with PORT 1-65535, e.g. 127.0.0.1:7789)");
    }

    @Test
    void mappingWhereAValueIsExpected() {
        assertRefused(minimalWith("    disk: alpha.img", "    disk:\n      path: alpha.img"),
                "nodes.alpha.disk: a mapping (expected: a path to the backing file or block device)");
    }

    @Test
    void valueWhereAMappingIsExpected() {
        assertRefused(MINIMAL + "net: fast\n", "net: \"fast\" is not a mapping (expected: a mapping of ping-interval, "
                + "ping-timeout, connect-interval, compression, tls-cert, tls-key, tls-ca, max-buffer)");
    }

    @Test
    void integerOutOfRange() {
        assertRefused(MINIMAL + "nbd:\n  io-threads: 0\n", "nbd.io-threads: 0 is out of range (expected: 1..256)");
    }

    @Test
    void notAnInteger() {
        assertRefused(MINIMAL + "nbd:\n  max-inflight: 0x40\n",
                "nbd.max-inflight: \"0x40\" is not an integer (expected: 1..1024)");
    }

    @Test
    void minBlockSizeNotAPowerOfTwo() {
        assertRefused(MINIMAL + "nbd:\n  min-block-size: 3000\n",
                "nbd.min-block-size: 3000 is not a power of two (expected: 1, 2, 4, ... 65536)");
    }

    @Test
    void minBlockSizeDoesNotDivideSize() {
        assertRefused(minimalWith("size: 1GiB", "size: 1052672") + "nbd:\n  min-block-size: 65536\n",
                "nbd.min-block-size: 65536 does not divide size (1052672 bytes)"
                        + " (expected: a size that is a multiple of the minimum block size)");
    }

    @Test
    void unknownCompression() {
        assertRefused(MINIMAL + "net:\n  compression: zstd\n",
                "net.compression: \"zstd\" is not a compression (expected: none | lz4)");
    }

    @Test
    void bufferBelowMinimum() {
        assertRefused(MINIMAL + "net:\n  max-buffer: 512KiB\n",
                "net.max-buffer: 512KiB is below the minimum (expected: at least 1MiB)");
    }

    @Test
    void journalBelowMinimum() {
        assertRefused(MINIMAL + "journal:\n  max-size: 1MiB\n",
                "journal.max-size: 1MiB is below the minimum (expected: at least 64MiB)");
    }

    @Test
    void badRate() {
        assertRefused(MINIMAL + "sync:\n  max-rate: fast\n",
                "sync.max-rate: \"fast\" is not a rate (expected e.g. 100MiB, 100MiB/s, or 0 for unlimited)");
    }

    @Test
    void yamlSyntaxErrorNamesLineAndColumn() {
        assertRefused(minimalWith("    disk: beta.img", "    disk: beta.img: x"),
                "line 14, column 19: YAML syntax error: mapping values are not allowed here");
    }

    @Test
    void unterminatedQuoteNamesWhereItStarted() {
        assertRefused("resource: \"r0\nsize: 1GiB\n",
                "line 3, column 1: YAML syntax error: found unexpected end of stream"
                        + " (while scanning a quoted scalar at line 1, column 11)");
    }

    @Test
    void duplicateKey() {
        assertRefused(minimalWith("    disk: beta.img", "    disk: beta.img\n    disk: other.img"),
                "line 15, column 5: nodes.beta.disk: duplicate key (expected: each key once)");
    }

    @Test
    void aliasesAreRefused() {
        assertRefused(minimalWith("resource: r0", "resource: &name r0") + "nbd:\n  export: *name\n",
                "line 18, column 11: nbd.export: YAML aliases (*name) are not supported (expected: the value written out)");
    }

    @Test
    void emptyFile() {
        assertRefused("# nothing yet\n",
                "the file is empty (expected: a YAML mapping with at least resource, secret-file, size and nodes)");
    }

    @Test
    void topLevelIsNotAMapping() {
        assertRefused("- resource: r0\n", "line 1, column 1: the top level is not a mapping (expected: keys such as resource: r0)");
    }

    @Test
    void secondDocument() {
        assertRefused(MINIMAL + "---\nresource: r1\n",
                "line 18, column 1: a second YAML document (expected: one document per file)");
    }

    @Test
    void notUtf8() throws Exception {
        Path file = Files.write(dir.resolve("r0.yaml"), new byte[] {'a', ':', ' ', (byte) 0xff, '\n'});
        ConfigException e = assertThrows(ConfigException.class, () -> ResourceConfig.load(file));
        // the detail in parentheses is Jackson's (it names the byte and its offset)
        assertTrue(e.getMessage().startsWith(file + ": not UTF-8 text (Invalid UTF-8 start byte 0xff"), e.getMessage());
    }

    @Test
    void missingFile() {
        Path file = dir.resolve("nope.yaml");
        ConfigException e = assertThrows(ConfigException.class, () -> ResourceConfig.load(file));
        assertEquals(file + ": cannot read the configuration: no such file (check the path)", e.getMessage());
    }

    @Test
    void oversizedFile() throws Exception {
        Path file = Files.write(dir.resolve("big.yaml"), new byte[YamlTree.MAX_FILE_BYTES + 1]);
        ConfigException e = assertThrows(ConfigException.class, () -> ResourceConfig.load(file));
        assertEquals(file + ": the file is larger than 1MiB (expected: a resource configuration of a few KiB;"
                + " is this the right file?)", e.getMessage());
    }
}
