package io.replicator.bench;

import static io.replicator.nbd.wire.NbdConstants.CLIENT_FLAG_FIXED_NEWSTYLE;
import static io.replicator.nbd.wire.NbdConstants.CLIENT_FLAG_NO_ZEROES;
import static io.replicator.nbd.wire.NbdConstants.IHAVEOPT;
import static io.replicator.nbd.wire.NbdConstants.OPT_EXPORT_NAME;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.local.LocalAddress;
import io.netty.channel.local.LocalChannel;
import io.netty.channel.local.LocalIoHandler;
import io.netty.channel.local.LocalServerChannel;
import io.replicator.nbd.codec.RequestDecoder;
import io.replicator.nbd.device.MemoryBlockDevice;
import io.replicator.nbd.server.Export;
import io.replicator.nbd.server.ListenAddress;
import io.replicator.nbd.server.NbdServer;
import io.replicator.nbd.server.NbdSession;
import io.replicator.nbd.server.ServerConfig;
import io.replicator.nbd.server.TlsMode;
import io.replicator.nbd.wire.NbdCommand;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Whole round trips with real threads, in one JVM: a closed-loop client (one event-loop thread, keeping
 * {@code qd} 4 KiB requests outstanding at random offsets, as fio's nbd engine does) against a server
 * over a 64 MiB {@link MemoryBlockDevice}. ns/op is wall time per request (1/IOPS), so at QD 1 it is the
 * round-trip latency. {@code server}:
 * <ul>
 *   <li>{@code tcp-ioN}: the real {@link NbdServer} (epoll, handshake with EXPORT_NAME, N I/O threads)
 *       on 127.0.0.1, client on epoll too;</li>
 *   <li>{@code local-poolN}: RequestDecoder + NbdSession on Netty's in-VM transport, disk I/O on a pool
 *       of N threads like the server's (no syscalls for the socket);</li>
 *   <li>{@code local-inline}: the same with the I/O done on the event loop itself (given to it as a task,
 *       no other thread): the difference to {@code local-pool16} is the cost of the two thread handoffs
 *       per request.</li>
 * </ul>
 * On the 2-core machine the client takes CPU the server would otherwise have, as fio does.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class LoopbackRoundTripBenchmark {
    static final int REQUESTS = 1024;
    static final long DEVICE_BYTES = 64L << 20;

    @Param({"tcp-io16", "tcp-io4", "local-pool16", "local-inline"})
    String server;

    @Param({"WRITE", "READ"})
    String command;

    @Param({"1", "16"})
    int qd;

    private EventLoopGroup serverGroup;
    private EventLoopGroup clientGroup;
    private NbdServer nbdServer;
    private ExecutorService pool;
    private Channel serverChannel;
    private Channel client;
    private ClosedLoopClient handler;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        NbdCommand c = NbdWire.command(command);
        Export export = new Export("volume", "", new MemoryBlockDevice(DEVICE_BYTES), false, 1);
        boolean tcp = server.startsWith("tcp-");
        handler = new ClosedLoopClient(c, tcp);
        if (tcp) {
            int ioThreads = Integer.parseInt(server.substring("tcp-io".length()));
            ServerConfig config = new ServerConfig(List.of(export), List.of(new ListenAddress.Tcp("127.0.0.1", 0)),
                    TlsMode.OFF, null, 0, ioThreads, ServerConfig.DEFAULT_MAX_INFLIGHT, ServerConfig.DEFAULT_MAX_CONNECTIONS);
            nbdServer = new NbdServer(config);
            int port = ((ListenAddress.Tcp) nbdServer.start().get(0)).port();
            clientGroup = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
            client = new Bootstrap().group(clientGroup).channel(EpollSocketChannel.class)
                    .option(ChannelOption.TCP_NODELAY, true).handler(handler)
                    .connect(new InetSocketAddress("127.0.0.1", port)).sync().channel();
        } else {
            pool = server.equals("local-inline") ? null : newPool(Integer.parseInt(server.substring("local-pool".length())));
            serverGroup = new MultiThreadIoEventLoopGroup(1, LocalIoHandler.newFactory());
            clientGroup = new MultiThreadIoEventLoopGroup(1, LocalIoHandler.newFactory());
            LocalAddress address = new LocalAddress("nbd-bench-" + System.nanoTime());
            serverChannel = new ServerBootstrap().group(serverGroup).channel(LocalServerChannel.class)
                    .childHandler(new ChannelInitializer<LocalChannel>() {
                        @Override
                        protected void initChannel(LocalChannel ch) {
                            ch.pipeline().addLast(new RequestDecoder(), new NbdSession(export, false, false,
                                    pool == null ? ch.eventLoop() : pool, ServerConfig.DEFAULT_MAX_INFLIGHT));
                        }
                    }).bind(address).sync().channel();
            client = new Bootstrap().group(clientGroup).channel(LocalChannel.class).handler(handler)
                    .connect(address).sync().channel();
        }
        handler.ready.get(10, TimeUnit.SECONDS);
        if (c == NbdCommand.READ) { // fill the device: reads then copy real pages
            ClosedLoopClient filler = handler;
            filler.fillCommand = NbdCommand.WRITE;
            filler.run(REQUESTS * 16, 16).get(60, TimeUnit.SECONDS);
            filler.fillCommand = null;
        }
        handler.run(REQUESTS, qd).get(60, TimeUnit.SECONDS); // sanity: all replies arrive
    }

    private static ExecutorService newPool(int threads) {
        return new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS, new ArrayBlockingQueue<>(64 * 64),
                r -> {
                    Thread t = new Thread(r, "bench-io");
                    t.setDaemon(true);
                    return t;
                });
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        client.close().sync();
        if (nbdServer != null) {
            nbdServer.stop(Duration.ofSeconds(5));
        }
        if (serverChannel != null) {
            serverChannel.close().sync();
        }
        if (pool != null) {
            pool.shutdownNow();
        }
        for (EventLoopGroup g : new EventLoopGroup[] {clientGroup, serverGroup}) {
            if (g != null) {
                g.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
            }
        }
        handler.release();
    }

    @Benchmark
    @OperationsPerInvocation(REQUESTS)
    public long roundTrips() throws Exception {
        return handler.run(REQUESTS, qd).get(60, TimeUnit.SECONDS);
    }

    /**
     * Keeps {@code qd} requests in flight until {@code total} replies came back. Replies are all of one
     * size (successful simple replies), so counting bytes is enough to frame them.
     */
    static final class ClosedLoopClient extends ChannelInboundHandlerAdapter {
        private final NbdCommand command;
        private int handshakeBytes;
        private final ByteBuf data;
        private final SplittableRandom random = new SplittableRandom(11);
        final CompletableFuture<Void> ready = new CompletableFuture<>();
        volatile NbdCommand fillCommand; // set while filling the device before a READ benchmark
        private ChannelHandlerContext ctx;
        private NbdCommand current;
        private int replyBytes;
        private long received; // reply bytes of the current run
        private int sent;
        private int total;
        private long cookie;
        private CompletableFuture<Long> done;

        ClosedLoopClient(NbdCommand command, boolean tcp) {
            this.command = command;
            this.handshakeBytes = tcp ? 18 + 10 : 0; // greeting, then EXPORT_NAME's reply (NO_ZEROES)
            this.data = NbdWire.randomData(io.netty.buffer.ByteBufAllocator.DEFAULT, NbdWire.BLOCK, 5);
        }

        void release() {
            data.release();
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            this.ctx = ctx;
            if (handshakeBytes > 0) {
                ctx.writeAndFlush(ctx.alloc().buffer(20).writeInt(CLIENT_FLAG_FIXED_NEWSTYLE | CLIENT_FLAG_NO_ZEROES)
                        .writeLong(IHAVEOPT).writeInt(OPT_EXPORT_NAME).writeInt(0));
            } else {
                ready.complete(null);
            }
        }

        CompletableFuture<Long> run(int total, int qd) {
            CompletableFuture<Long> f = new CompletableFuture<>();
            ctx.executor().execute(() -> {
                current = fillCommand != null ? fillCommand : command;
                replyBytes = NbdWire.simpleReplyBytes(current, NbdWire.BLOCK);
                this.total = total;
                sent = 0;
                received = 0;
                done = f;
                for (int i = 0; i < Math.min(qd, total); i++) {
                    send();
                }
                ctx.flush();
            });
            return f;
        }

        private void send() {
            ByteBuf buf = ctx.alloc().directBuffer(NbdWire.requestBytes(current, NbdWire.BLOCK));
            long offset = current == fillCommand && fillCommand != null
                    ? (long) (sent % (DEVICE_BYTES / NbdWire.BLOCK)) * NbdWire.BLOCK
                    : random.nextLong(DEVICE_BYTES / NbdWire.BLOCK) * NbdWire.BLOCK;
            NbdWire.writeRequest(buf, current, ++cookie, offset, NbdWire.BLOCK, data);
            sent++;
            ctx.write(buf, ctx.voidPromise());
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            try {
                if (handshakeBytes > 0) {
                    int n = Math.min(handshakeBytes, buf.readableBytes());
                    buf.skipBytes(n);
                    handshakeBytes -= n;
                    if (handshakeBytes == 0) {
                        ready.complete(null);
                    }
                }
                if (!buf.isReadable()) {
                    return;
                }
                if (done == null) {
                    throw new IllegalStateException("reply without a request");
                }
                long before = received / replyBytes;
                received += buf.readableBytes();
                long completed = received / replyBytes;
                boolean wrote = false;
                for (long i = before; i < completed && sent < total; i++) {
                    send();
                    wrote = true;
                }
                if (wrote) {
                    ctx.flush();
                }
                if (completed == total) {
                    CompletableFuture<Long> f = done;
                    done = null;
                    f.complete(completed);
                }
            } finally {
                buf.release();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ready.completeExceptionally(cause);
            if (done != null) {
                done.completeExceptionally(cause);
            }
            ctx.close();
        }
    }
}
