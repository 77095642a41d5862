package io.replicator.daemon;

import io.netty.buffer.PooledByteBufAllocator;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.replicator.config.Compression;
import io.replicator.config.NetOptions;
import io.replicator.config.NodeConfig;
import io.replicator.config.ResourceConfig;
import io.replicator.control.ControlServer;
import io.replicator.core.AckTracker;
import io.replicator.core.Metadata;
import io.replicator.core.MetadataStore;
import io.replicator.core.ReplicaCore;
import io.replicator.core.ReplicatedDevice;
import io.replicator.http.HttpEndpoint;
import io.replicator.http.Metrics;
import io.replicator.journal.ActivityLog;
import io.replicator.journal.ActivityLogDevice;
import io.replicator.journal.ActivityLogFile;
import io.replicator.journal.ChronicleJournal;
import io.replicator.journal.DirtyBitmap;
import io.replicator.journal.Journal;
import io.replicator.link.LinkSettings;
import io.replicator.link.PeerLink;
import io.replicator.nbd.device.BlockDevice;
import io.replicator.nbd.device.FileBlockDevice;
import io.replicator.nbd.server.Export;
import io.replicator.nbd.server.Log;
import io.replicator.nbd.server.NbdServer;
import io.replicator.nbd.server.ServerConfig;
import io.replicator.nbd.server.TlsMode;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * One running node of a replicated volume: its locks, disk, journal, bitmap, metadata, the core, the
 * NBD server (which admits clients only while Primary), the peer link, the control socket, HTTP, and
 * two small threads: the sync pump and the maintenance tick. Started and stopped in dependency order.
 */
final class Daemon {
    /** One bit of the dirty bitmap covers this much of the volume. */
    static final int BITMAP_REGION_BYTES = 64 * 1024;
    /** Sync traffic per turn of the pump: the lock application writes need is free between turns. */
    private static final long PUMP_CHUNK_BYTES = 1L << 20;

    private final Log log;
    private final FileLock stateLock;
    private final FileBlockDevice disk;
    private final ActivityLog activityLog; // null: none
    private final Journal journal;
    private final DirtyBitmap bitmap;
    private final ReplicaCore core;
    private final NbdServer nbd;
    private final PeerLink link;
    private final ControlServer control;
    private final HttpEndpoint http;
    private final ScheduledExecutorService ticker;
    private final SyncPump pump;

    private Daemon(Log log, FileLock stateLock, FileBlockDevice disk, ActivityLog activityLog, Journal journal, DirtyBitmap bitmap,
            ReplicaCore core, NbdServer nbd, PeerLink link, ControlServer control, HttpEndpoint http,
            ScheduledExecutorService ticker, SyncPump pump) {
        this.log = log;
        this.stateLock = stateLock;
        this.disk = disk;
        this.activityLog = activityLog;
        this.journal = journal;
        this.bitmap = bitmap;
        this.core = core;
        this.nbd = nbd;
        this.link = link;
        this.control = control;
        this.http = http;
        this.ticker = ticker;
        this.pump = pump;
    }

    static Daemon start(ResourceConfig config, String nodeName) throws Exception {
        NodeConfig me = config.node(nodeName);
        NodeConfig peer = config.peerOf(nodeName);
        Log log = new Log(config.resource() + "/" + nodeName);
        byte[] secret = config.readSecret();
        Files.createDirectories(me.stateDir());
        FileLock stateLock = lockStateDir(me.stateDir());
        boolean created = !Files.exists(me.disk());
        if (created && me.disk().getParent() != null) {
            Files.createDirectories(me.disk().getParent());
        }
        FileBlockDevice disk = FileBlockDevice.create(me.disk(), config.sizeBytes());
        MetadataStore store = new MetadataStore(me.stateDir());
        Metadata meta = store.load();
        if (meta == null) {
            meta = Metadata.created(config.resource(), config.sizeBytes(), created);
            log.info(created ? "created " + me.disk() + " (" + config.sizeBytes() + " bytes of zeroes)"
                    : "no metadata for the existing disk " + me.disk() + ": Inconsistent until a sync or promote --force");
        } else if (!meta.resource().equals(config.resource()) || meta.sizeBytes() != config.sizeBytes()) {
            throw new IOException(store.file() + " belongs to resource " + meta.resource() + " of " + meta.sizeBytes()
                    + " bytes, not " + config.resource() + " of " + config.sizeBytes());
        }
        Journal journal = ChronicleJournal.open(me.stateDir().resolve("journal"), config.journal().maxSizeBytes(),
                config.journal().maxAge(), Clock.systemUTC());
        DirtyBitmap bitmap = DirtyBitmap.open(me.stateDir().resolve("bitmap"), config.sizeBytes(), BITMAP_REGION_BYTES);
        ActivityLog activityLog = openActivityLog(config, me, disk, journal, log);
        BlockDevice coreDisk = activityLog == null ? disk : new ActivityLogDevice(disk, activityLog);
        SecureRandom random = new SecureRandom();
        ReplicaCore core = ReplicaCore.open(
                new ReplicaCore.Settings(config.resource(), nodeName, peer.name(), config.protocol(), config.net().maxBufferBytes(),
                        AckTracker.WINDOW, config.journal().maxSizeBytes() / 4, config.splitBrain().policy(), bootId(log)),
                coreDisk, activityLog, journal, bitmap, meta, store, sizeBytes -> divergenceFile(me.stateDir(), sizeBytes),
                new CoreLog(log, new SplitBrainHandler(config.splitBrain().handler(), config.resource(), nodeName, peer.name(), log)),
                System::nanoTime, random::nextLong,
                PooledByteBufAllocator.DEFAULT);
        Metrics metrics = new Metrics();
        ReplicatedDevice device = new ReplicatedDevice(core, disk, new ReplicatedDevice.LatencyRecorder() {
            @Override
            public void write(long nanos, int bytes) {
                metrics.recordWrite(nanos, bytes);
            }

            @Override
            public void flush(long nanos) {
                metrics.recordFlush(nanos);
            }

            @Override
            public void replicated(long bytes) {
                metrics.addReplicatedBytes(bytes);
            }
        });
        Export export = new Export(config.nbd().export(), "replicated volume " + config.resource(), device, false,
                config.nbd().minBlockSize());
        NbdServer nbd = new NbdServer(new ServerConfig(List.of(export), List.of(me.nbd()), TlsMode.OFF, null, 0,
                config.nbd().ioThreads(), config.nbd().maxInflight(), ServerConfig.DEFAULT_MAX_CONNECTIONS));
        nbd.start();
        log.info("NBD on " + me.nbd() + " (export '" + export.name() + "'; clients are admitted while Primary)");
        NetOptions net = config.net();
        PeerLink link = new PeerLink(new LinkSettings(config.resource(), nodeName, peer.name(), me.replication(), peer.replication(),
                secret, config.sizeBytes(), net.pingInterval(), net.pingTimeout(), net.connectInterval(),
                net.compression() == Compression.lz4, serverTls(net), clientTls(net), net.maxBufferBytes()), core, log);
        link.start();
        DaemonControl controlApi = new DaemonControl(core, nbd, link, log);
        ControlServer control = ControlServer.start(me.control(), controlApi);
        HttpEndpoint http = null;
        if (me.http() != null) {
            http = new HttpEndpoint();
            int port = http.start(me.http(), controlApi::status, metrics);
            log.info("HTTP /health and /metrics on " + me.http().host() + ":" + port);
        }
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> daemonThread(r, "tick"));
        ticker.scheduleWithFixedDelay(() -> tick(core, log), 200, 200, TimeUnit.MILLISECONDS);
        SyncPump pump = new SyncPump(core, config.sync().minRateBytesPerSecond(), config.sync().maxRateBytesPerSecond(),
                PUMP_CHUNK_BYTES, log);
        pump.start();
        log.info("up: Secondary, " + core.diskState() + "; control socket " + me.control());
        return new Daemon(log, stateLock, disk, activityLog, journal, bitmap, core, nbd, link, control, http, ticker, pump);
    }

    /** The activity log in {@code state-dir/activity-log} (null when {@code activity-log.extents} is 0). */
    private static ActivityLog openActivityLog(ResourceConfig config, NodeConfig me, FileBlockDevice disk, Journal journal,
            Log log) throws IOException {
        Path file = me.stateDir().resolve("activity-log");
        if (config.activityLogExtents() == 0) {
            Files.deleteIfExists(file); // a log left from before would be stale the next time one is used
            log.info("no activity log: after a power loss the next resync compares the whole disk");
            return null;
        }
        // an extent leaves only once its writes and their journal entries are durable: a block outside the hot set
        // then always holds a write that the journal (and so the peer's catch-up or bitmap) knows of
        ActivityLog al = ActivityLog.open(ActivityLogFile.open(file), config.activityLogExtents(), ActivityLog.EXTENT_SHIFT,
                () -> {
                    Journal.PendingSync journalSync = journal.startSync();
                    try {
                        disk.flush();
                    } finally {
                        journalSync.await();
                    }
                });
        log.info("activity log " + file + ": " + config.activityLogExtents() + " extents of "
                + (al.extentBytes() >> 20) + " MiB, " + al.recovered().size() + " hot");
        return al;
    }

    void stop() {
        log.info("stopping: finishing NBD requests, flushing");
        nbd.stop(Duration.ofSeconds(30));
        pump.stop();
        ticker.shutdown(); // not shutdownNow: an interrupt during a checkpoint's sync would close the files
        try {
            if (!ticker.awaitTermination(30, TimeUnit.SECONDS)) {
                log.warn("the maintenance tick did not finish within 30 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            link.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            core.shutdown();
        } catch (IOException e) {
            log.error("flushing on shutdown failed", e);
        }
        control.close();
        if (http != null) {
            http.close();
        }
        closeQuietly(journal);
        closeQuietly(bitmap);
        if (activityLog != null) {
            closeQuietly(activityLog);
        }
        closeQuietly(disk);
        try {
            stateLock.release();
            stateLock.channel().close();
        } catch (IOException e) {
            log.warn("releasing the state directory lock: " + e.getMessage());
        }
        log.info("stopped");
    }

    private static void tick(ReplicaCore core, Log log) {
        try {
            core.tick();
        } catch (IOException | RuntimeException e) {
            log.error("maintenance tick failed", e);
        }
    }

    private void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            log.warn("closing " + c + ": " + e.getMessage());
        }
    }

    /** One daemon per state directory: a second one fails here with a clear message. */
    private static FileLock lockStateDir(Path stateDir) throws IOException {
        Path lockFile = stateDir.resolve("lock");
        FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = ch.tryLock();
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw new IOException("cannot lock " + lockFile + ": " + e.getMessage(), e);
        }
        if (lock == null) {
            ch.close();
            throw new IOException("state directory " + stateDir + " is in use by another replicator daemon (it holds "
                    + lockFile + "); stop that daemon first");
        }
        return lock;
    }

    private static SslContext serverTls(NetOptions net) throws IOException {
        if (!net.tls()) {
            return null;
        }
        try {
            return SslContextBuilder.forServer(net.tlsCert().toFile(), net.tlsKey().toFile())
                    .trustManager(net.tlsCa().toFile()).clientAuth(ClientAuth.REQUIRE).sslProvider(SslProvider.JDK).build();
        } catch (Exception e) {
            throw new IOException("net.tls-cert/tls-key/tls-ca: cannot load " + net.tlsCert() + ", " + net.tlsKey() + ", "
                    + net.tlsCa() + ": " + e.getMessage(), e);
        }
    }

    private static SslContext clientTls(NetOptions net) throws IOException {
        if (!net.tls()) {
            return null;
        }
        try {
            return SslContextBuilder.forClient().keyManager(net.tlsCert().toFile(), net.tlsKey().toFile())
                    .trustManager(net.tlsCa().toFile()).sslProvider(SslProvider.JDK).build();
        } catch (Exception e) {
            throw new IOException("net.tls-cert/tls-key/tls-ca: cannot load " + net.tlsCert() + ", " + net.tlsKey() + ", "
                    + net.tlsCa() + ": " + e.getMessage(), e);
        }
    }

    static Thread daemonThread(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /**
     * This boot of the machine (Linux's random boot id): a daemon that finds its disk left open under another
     * boot knows the page cache was lost under it. Without one, such a loss cannot be told from a kill -9.
     */
    private static String bootId(Log log) {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/random/boot_id")).trim();
        } catch (IOException e) {
            log.warn("cannot read the boot id (" + e.getMessage() + "): a power loss will not be detected at restart");
            return "unknown";
        }
    }

    /** A new sparse file in the state directory, named by the time, for a split-brain victim's changed blocks. */
    private static ReplicaCore.DivergenceFiles.Saved divergenceFile(Path stateDir, long sizeBytes) throws IOException {
        String stamp = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC).format(Instant.now());
        Path file = stateDir.resolve("divergence-" + stamp + ".img");
        for (int n = 2; Files.exists(file); n++) {
            file = stateDir.resolve("divergence-" + stamp + "-" + n + ".img");
        }
        return new ReplicaCore.DivergenceFiles.Saved(FileBlockDevice.create(file, sizeBytes), file.toString());
    }

    /** The core's events as log lines. */
    private record CoreLog(Log log, SplitBrainHandler handler) implements ReplicaCore.EventLog {
        @Override
        public void splitBrain(String detail) {
            handler.run(detail);
        }

        @Override
        public void info(String message) {
            log.info(message);
        }

        @Override
        public void warn(String message) {
            log.warn(message);
        }
    }
}
