package io.replicator.config;

import io.replicator.core.Protocol;
import io.replicator.core.SplitBrainPolicy;
import io.replicator.journal.ActivityLog;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Reads and validates a resource file: the first problem found ends the load with a ConfigException. */
final class ConfigLoader {
    static final List<String> TOP_KEYS =
            List.of("resource", "protocol", "secret-file", "size", "nodes", "net", "journal", "sync", "nbd", "split-brain",
                    "activity-log");
    static final List<String> NET_KEYS = List.of("ping-interval", "ping-timeout", "connect-interval", "compression",
            "tls-cert", "tls-key", "tls-ca", "max-buffer");
    static final List<String> TLS_KEYS = List.of("tls-cert", "tls-key", "tls-ca");
    static final List<String> JOURNAL_KEYS = List.of("max-size", "max-age");
    static final List<String> SYNC_KEYS = List.of("min-rate", "max-rate");
    static final List<String> SPLIT_BRAIN_KEYS = List.of("after-sb-0pri", "after-sb-1pri", "after-sb-2pri", "handler");
    static final List<String> ACTIVITY_LOG_KEYS = List.of("extents");
    static final List<String> NBD_KEYS = List.of("export", "io-threads", "max-inflight", "min-block-size");

    static final int PAGE_BYTES = 4096;
    static final Duration PING_INTERVAL = Duration.ofSeconds(1);
    static final Duration PING_TIMEOUT = Duration.ofSeconds(5);
    static final Duration CONNECT_INTERVAL = Duration.ofSeconds(1);
    static final Duration MAX_LINK_TIMING = Duration.ofHours(1);
    static final long MAX_BUFFER_BYTES = 64L << 20;
    static final long MIN_MAX_BUFFER_BYTES = 1L << 20;
    static final long JOURNAL_MAX_SIZE_BYTES = 1L << 30;
    static final long MIN_JOURNAL_MAX_SIZE_BYTES = 64L << 20;
    static final Duration JOURNAL_MAX_AGE = Duration.ofHours(1);
    static final Duration MAX_JOURNAL_MAX_AGE = Duration.ofHours(24 * 365);
    static final int IO_THREADS = 16;
    static final int MAX_INFLIGHT = 64;
    static final int MAX_EXPORT_NAME_BYTES = 4096;

    private ConfigLoader() {}

    static ResourceConfig load(Path file) throws ConfigException {
        Section top = new Section(file, file.toAbsolutePath().getParent(), "", YamlTree.read(file));
        top.checkKnown(TOP_KEYS);
        String resource = top.name("resource", "resource name");
        Protocol protocol = top.choice("protocol", Protocol.class, Protocol.C, "a replication protocol");
        Path secretFile = top.requiredPath("secret-file", "a path to the shared secret, mode 600, at least 16 bytes");
        long sizeBytes = sizeBytes(top);
        Map<String, NodeConfig> nodes = NodeLoader.load(top);
        NetOptions net = net(top.section("net", "a mapping of " + String.join(", ", NET_KEYS)));
        JournalOptions journal = journal(top.section("journal", "a mapping of " + String.join(", ", JOURNAL_KEYS)));
        Section syncSection = top.section("sync", "a mapping of " + String.join(", ", SYNC_KEYS));
        syncSection.checkKnown(SYNC_KEYS);
        long maxRate = syncSection.rate("max-rate", 0);
        long minRate = syncSection.rate("min-rate", SyncOptions.DEFAULT_MIN_RATE);
        if (maxRate > 0 && minRate > maxRate && syncSection.has("min-rate")) {
            throw syncSection.error("min-rate", Sizes.format(minRate) + "/s is above max-rate " + Sizes.format(maxRate)
                    + "/s (expected: at most the maximum)");
        }
        SyncOptions sync = new SyncOptions(minRate, maxRate);
        NbdOptions nbd = nbd(top.section("nbd", "a mapping of " + String.join(", ", NBD_KEYS)), resource, sizeBytes);
        SplitBrainOptions splitBrain = splitBrain(top.section("split-brain", "a mapping of " + String.join(", ", SPLIT_BRAIN_KEYS)));
        int activityLogExtents = activityLogExtents(top.section("activity-log", "a mapping of " + String.join(", ", ACTIVITY_LOG_KEYS)));
        return new ResourceConfig(file, resource, protocol, secretFile, sizeBytes, nodes, net, journal, sync, nbd, splitBrain,
                activityLogExtents);
    }

    /** DRBD's al-extents and its range, or 0: no activity log (a power loss then costs a full resync). */
    private static int activityLogExtents(Section al) throws ConfigException {
        al.checkKnown(ACTIVITY_LOG_KEYS);
        int extents = al.integer("extents", ActivityLog.DEFAULT_EXTENTS, 0, ActivityLog.MAX_EXTENTS);
        if (extents != 0 && extents < ActivityLog.MIN_EXTENTS) {
            throw al.error("extents", extents + " is below the minimum (expected: 0 for no activity log, or "
                    + ActivityLog.MIN_EXTENTS + " to " + ActivityLog.MAX_EXTENTS + ")");
        }
        return extents;
    }

    private static SplitBrainOptions splitBrain(Section sb) throws ConfigException {
        sb.checkKnown(SPLIT_BRAIN_KEYS);
        SplitBrainPolicy policy = new SplitBrainPolicy(
                sb.choice("after-sb-0pri", SplitBrainPolicy.ZeroPrimaries.class, SplitBrainPolicy.ZeroPrimaries.disconnect,
                        "a policy for a split brain between two Secondaries"),
                sb.choice("after-sb-1pri", SplitBrainPolicy.OnePrimary.class, SplitBrainPolicy.OnePrimary.disconnect,
                        "a policy for a split brain with one Primary"),
                sb.choice("after-sb-2pri", SplitBrainPolicy.TwoPrimaries.class, SplitBrainPolicy.TwoPrimaries.disconnect,
                        "a policy for a split brain between two Primaries"));
        String handler = sb.optional("handler", "a shell command run when a split brain is found").orElse(null);
        return new SplitBrainOptions(policy, handler);
    }

    private static long sizeBytes(Section top) throws ConfigException {
        String expected = "the volume size, a positive multiple of 4096 such as 1GiB";
        top.required("size", expected);
        long bytes = top.size("size", 0);
        if (bytes % PAGE_BYTES != 0) {
            throw top.error("size", bytes + " bytes is not a multiple of " + PAGE_BYTES + " (expected: " + expected + ")");
        }
        return bytes;
    }

    private static NetOptions net(Section net) throws ConfigException {
        net.checkKnown(NET_KEYS);
        Duration pingInterval = net.duration("ping-interval", PING_INTERVAL, MAX_LINK_TIMING);
        Duration pingTimeout = net.duration("ping-timeout", PING_TIMEOUT, MAX_LINK_TIMING);
        if (pingTimeout.compareTo(pingInterval) <= 0) {
            throw net.error("ping-timeout", Durations.format(pingTimeout) + (net.has("ping-timeout") ? "" : " (the default)")
                    + " is not longer than " + net.key("ping-interval") + " " + Durations.format(pingInterval)
                    + " (expected: ping-timeout > ping-interval, so that a timeout means pings were lost)");
        }
        Duration connectInterval = net.duration("connect-interval", CONNECT_INTERVAL, MAX_LINK_TIMING);
        Compression compression = net.choice("compression", Compression.class, Compression.none, "a compression");
        checkTlsAllOrNone(net);
        Path cert = net.optionalPath("tls-cert", "the link's certificate chain (PEM)");
        Path key = net.optionalPath("tls-key", "the link's private key (PKCS#8 PEM)");
        Path ca = net.optionalPath("tls-ca", "the CA that signed the peer's certificate (PEM)");
        long maxBuffer = net.size("max-buffer", MAX_BUFFER_BYTES);
        if (maxBuffer < MIN_MAX_BUFFER_BYTES) {
            throw net.error("max-buffer", Sizes.format(maxBuffer) + " is below the minimum (expected: at least "
                    + Sizes.format(MIN_MAX_BUFFER_BYTES) + ")");
        }
        return new NetOptions(pingInterval, pingTimeout, connectInterval, compression, cert, key, ca, maxBuffer);
    }

    private static void checkTlsAllOrNone(Section net) throws ConfigException {
        List<String> set = new ArrayList<>();
        for (String key : TLS_KEYS) {
            if (net.has(key)) {
                set.add(net.key(key));
            }
        }
        if (set.isEmpty() || set.size() == TLS_KEYS.size()) {
            return;
        }
        for (String key : TLS_KEYS) {
            if (!net.has(key)) {
                throw net.error(key, "missing while " + String.join(" and ", set) + (set.size() == 1 ? " is" : " are")
                        + " set (expected: tls-cert, tls-key and tls-ca all set for TLS, or none)");
            }
        }
    }

    private static JournalOptions journal(Section journal) throws ConfigException {
        journal.checkKnown(JOURNAL_KEYS);
        long maxSize = journal.size("max-size", JOURNAL_MAX_SIZE_BYTES);
        if (maxSize < MIN_JOURNAL_MAX_SIZE_BYTES) {
            throw journal.error("max-size", Sizes.format(maxSize) + " is below the minimum (expected: at least "
                    + Sizes.format(MIN_JOURNAL_MAX_SIZE_BYTES) + ")");
        }
        return new JournalOptions(maxSize, journal.duration("max-age", JOURNAL_MAX_AGE, MAX_JOURNAL_MAX_AGE));
    }

    private static NbdOptions nbd(Section nbd, String resource, long sizeBytes) throws ConfigException {
        nbd.checkKnown(NBD_KEYS);
        String export = nbd.optional("export", "an NBD export name").orElse(resource);
        if (export.isBlank() || export.chars().anyMatch(Character::isISOControl)
                || export.getBytes(StandardCharsets.UTF_8).length > MAX_EXPORT_NAME_BYTES) {
            throw nbd.error("export", "\"" + export + "\" is not a usable export name (expected: 1 to "
                    + MAX_EXPORT_NAME_BYTES + " bytes of UTF-8, no control characters)");
        }
        int ioThreads = nbd.integer("io-threads", IO_THREADS, 1, 256);
        int maxInflight = nbd.integer("max-inflight", MAX_INFLIGHT, 1, 1024);
        int minBlockSize = nbd.integer("min-block-size", 1, 1, 65536);
        if (Integer.bitCount(minBlockSize) != 1) {
            throw nbd.error("min-block-size", minBlockSize + " is not a power of two (expected: 1, 2, 4, ... 65536)");
        }
        if (sizeBytes % minBlockSize != 0) {
            throw nbd.error("min-block-size", minBlockSize + " does not divide size (" + sizeBytes
                    + " bytes) (expected: a size that is a multiple of the minimum block size)");
        }
        return new NbdOptions(export, ioThreads, maxInflight, minBlockSize);
    }
}
