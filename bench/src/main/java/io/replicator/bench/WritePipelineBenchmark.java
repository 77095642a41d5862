package io.replicator.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.ReferenceCountUtil;
import io.replicator.core.AckTracker;
import io.replicator.core.Metadata;
import io.replicator.core.PeerPort;
import io.replicator.core.PromoteWait;
import io.replicator.core.Protocol;
import io.replicator.core.ReplicaCore;
import io.replicator.core.SplitBrainPolicy;
import io.replicator.core.ReplicatedDevice;
import io.replicator.core.Role;
import io.replicator.core.DiskState;
import io.replicator.journal.ChronicleJournal;
import io.replicator.journal.DirtyBitmap;
import io.replicator.nbd.device.MemoryBlockDevice;
import io.replicator.wire.Message;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The whole in-process write pipeline of a Primary, protocol C: {@link ReplicatedDevice#write} of
 * 4 KiB = seq, journal append (Chronicle, page cache), local write (a memory device, so the disk's
 * own cost is left out), the Write message handed to the link, and the wait for the peer's "written"
 * ack. The peer is a {@link PeerPort} that acknowledges every message as it is sent, so this is the
 * replication machinery's own cost per write, without network or peer.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class WritePipelineBenchmark {
    static final long VOLUME_BYTES = 256L << 20;
    static final int DATA_BYTES = 4096;

    private Path dir;
    private ChronicleJournal journal;
    private ReplicaCore core;
    private ReplicatedDevice device;
    private ByteBuf data;

    /** Acknowledges each stream message (received, written, synced) the moment it is sent. */
    private final class InstantPeer implements PeerPort {
        @Override
        public void send(Message message) {
            if (message instanceof Message.Stream s) {
                core.onAck(this, new Message.Ack(s.pos(), s.pos(), s.pos()));
            } else if (message instanceof Message.PromoteRequest r) {
                core.onPromoteReply(this, new Message.PromoteReply(r.id(), true, ""));
            }
            ReferenceCountUtil.release(message);
        }

        @Override
        public void close(String reason) {
        }
    }

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        dir = Files.createTempDirectory("pipeline-bench");
        journal = ChronicleJournal.open(dir.resolve("journal"), 1L << 30, Duration.ofHours(1), Clock.systemUTC());
        MemoryBlockDevice disk = new MemoryBlockDevice(VOLUME_BYTES);
        core = ReplicaCore.open(new ReplicaCore.Settings("r0", "alpha", "beta", Protocol.C, 64L << 20, AckTracker.WINDOW, 256L << 20,
                SplitBrainPolicy.DISCONNECT, "bench"), disk, null, journal, DirtyBitmap.inMemory(VOLUME_BYTES, 65536),
                Metadata.created("r0", VOLUME_BYTES, true), m -> { },
                size -> new ReplicaCore.DivergenceFiles.Saved(new MemoryBlockDevice(size), "(memory)"),
                new ReplicaCore.EventLog() {
                    @Override
                    public void info(String message) {
                    }

                    @Override
                    public void warn(String message) {
                    }
                }, System::nanoTime, ThreadLocalRandom.current()::nextLong, PooledByteBufAllocator.DEFAULT);
        InstantPeer peer = new InstantPeer();
        core.linkUp(peer, new Message.NodeInfo(Role.Secondary, DiskState.Consistent, 0, true, List.of(), 0, false, 0, false, false, null),
                core.nodeInfo());
        PromoteWait wait = core.beginPromote(false);
        if (wait.result() != null || !core.finishPromote(wait).done()) {
            throw new IllegalStateException("cannot promote the benchmark's node");
        }
        device = new ReplicatedDevice(core, disk, new ReplicatedDevice.LatencyRecorder() {
            @Override
            public void write(long nanos, int bytes) {
            }

            @Override
            public void flush(long nanos) {
            }

            @Override
            public void replicated(long bytes) {
            }
        });
        data = PooledByteBufAllocator.DEFAULT.directBuffer(DATA_BYTES, DATA_BYTES);
        byte[] random = new byte[DATA_BYTES];
        ThreadLocalRandom.current().nextBytes(random);
        data.writeBytes(random);
    }

    @Benchmark
    public void write4k() throws IOException {
        long block = ThreadLocalRandom.current().nextLong(VOLUME_BYTES / DATA_BYTES);
        device.write(block * DATA_BYTES, data, false);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        data.release();
        core.shutdown();
        journal.close();
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
