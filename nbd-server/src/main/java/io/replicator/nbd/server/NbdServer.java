package io.replicator.nbd.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.replicator.nbd.codec.RequestDecoder;
import io.replicator.nbd.device.BlockDevice;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Serves exports over NBD on TCP and Unix sockets: native epoll when available, NIO otherwise.
 * Disk I/O runs on a bounded pool of I/O threads, never on the event loop.
 */
public final class NbdServer implements AutoCloseable {
    private static final Log LOG = new Log("nbd");

    private final ServerConfig config;
    private final Map<String, Export> exports = new LinkedHashMap<>();
    private final boolean epoll = Epoll.isAvailable();
    private final EventLoopGroup group;
    private final ThreadPoolExecutor ioExecutor;
    private final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private final List<Channel> listeners = new ArrayList<>();
    private final AtomicInteger connectionCount = new AtomicInteger();

    public NbdServer(ServerConfig config) {
        this.config = config;
        config.exports().forEach(e -> exports.put(e.name(), e));
        if (!epoll) {
            LOG.warn("native epoll transport unavailable (" + Epoll.unavailabilityCause() + "): using NIO, which is slower");
        }
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        group = new MultiThreadIoEventLoopGroup(config.eventLoopThreads(), io);
        int queueBound = Math.max(1, config.maxConnections() * config.maxInflight());
        ioExecutor = new ThreadPoolExecutor(config.ioThreads(), config.ioThreads(), 60, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(queueBound), new IoThreadFactory());
    }

    /** Binds every listen address; returns the bound addresses (port 0 becomes a real port). */
    public List<ListenAddress> start() throws IOException, InterruptedException {
        List<ListenAddress> bound = new ArrayList<>();
        for (ListenAddress address : config.listen()) {
            ServerBootstrap bootstrap = new ServerBootstrap().group(group).channel(serverChannel(address))
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(2 << 20, 8 << 20))
                    // reads of up to 1 MiB: a large WRITE arrives in few syscalls
                    .childOption(ChannelOption.RCVBUF_ALLOCATOR, new AdaptiveRecvByteBufAllocator(512, 16 << 10, 1 << 20))
                    .childHandler(new Initializer());
            if (address instanceof ListenAddress.Tcp) {
                bootstrap.option(ChannelOption.SO_REUSEADDR, true)
                        .childOption(ChannelOption.TCP_NODELAY, true)
                        .childOption(ChannelOption.SO_KEEPALIVE, true);
            } else if (address instanceof ListenAddress.Unix unix) {
                Files.deleteIfExists(unix.path()); // a stale socket from a previous run; the volume lock guards against a live one
            }
            Channel channel;
            try {
                channel = bootstrap.bind(address.socketAddress()).sync().channel();
            } catch (Exception e) {
                throw new IOException("cannot listen on " + address + ": " + e.getMessage(), e);
            }
            listeners.add(channel);
            ListenAddress actual = address instanceof ListenAddress.Tcp tcp
                    ? new ListenAddress.Tcp(tcp.host(), ((InetSocketAddress) channel.localAddress()).getPort())
                    : address;
            bound.add(actual);
            LOG.info("listening on " + actual + " (" + (epoll ? "epoll" : "nio") + ", TLS " + config.tlsMode().name().toLowerCase() + ")");
        }
        for (Export e : exports.values()) {
            LOG.info("export '" + e.name() + "': " + e.sizeBytes() + " bytes" + (e.readOnly() ? ", read-only" : ""));
        }
        return bound;
    }

    private Class<? extends ServerChannel> serverChannel(ListenAddress address) {
        if (address instanceof ListenAddress.Unix) {
            if (!epoll) {
                throw new IllegalStateException("unix sockets need the native epoll transport, which is unavailable here");
            }
            return EpollServerDomainSocketChannel.class;
        }
        return epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }

    private final class Initializer extends ChannelInitializer<Channel> {
        @Override
        protected void initChannel(Channel ch) {
            if (connectionCount.incrementAndGet() > config.maxConnections()) {
                connectionCount.decrementAndGet();
                LOG.warn("refusing connection from " + ch.remoteAddress() + ": " + config.maxConnections() + " connections already");
                ch.close();
                return;
            }
            ch.closeFuture().addListener(f -> connectionCount.decrementAndGet());
            connections.add(ch);
            ch.pipeline().addLast("handshake", new HandshakeHandler(exports, config.tlsMode(), config.sslContext(), NbdServer.this::startTransmission));
        }
    }

    private void startTransmission(ChannelHandlerContext ctx, Export export, boolean structured, boolean baseAllocation) {
        ChannelPipeline pipeline = ctx.pipeline();
        pipeline.addAfter(ctx.name(), "decoder", new RequestDecoder());
        pipeline.addAfter("decoder", "session", new NbdSession(export, structured, baseAllocation, ioExecutor, config.maxInflight(), config.ioThreads()));
        pipeline.remove(ctx.handler());
        String client = clientName(ctx.channel());
        LOG.info("client " + client + " attached export '" + export.name() + "'"
                + (structured ? " (structured replies)" : "") + (pipeline.get("tls") != null ? " over TLS" : ""));
        ctx.channel().closeFuture().addListener(f -> LOG.info("client " + client + " detached export '" + export.name() + "'"));
    }

    /** The peer's address, or for a Unix socket (whose peer has no name) the socket path. */
    private static String clientName(Channel channel) {
        Object remote = channel.remoteAddress();
        String text = remote == null ? "" : remote.toString();
        return text.isBlank() ? "on " + channel.localAddress() : text;
    }

    /**
     * Stops accepting, lets in-flight requests finish (up to {@code grace}), flushes every device,
     * closes connections and devices.
     */
    public void stop(Duration grace) {
        listeners.forEach(Channel::close);
        listeners.forEach(c -> c.closeFuture().syncUninterruptibly());
        closeConnections(grace);
        ioExecutor.shutdown();
        try {
            ioExecutor.awaitTermination(grace.toSeconds(), TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Export e : exports.values()) {
            closeDevice(e);
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        for (ListenAddress address : config.listen()) {
            if (address instanceof ListenAddress.Unix unix) {
                try {
                    Files.deleteIfExists(unix.path());
                } catch (IOException e) {
                    LOG.warn("cannot remove " + unix.path() + ": " + e.getMessage());
                }
            }
        }
    }

    /** Connected NBD clients (in the handshake or attached). */
    public int connectionCount() {
        return connections.size();
    }

    /** Disconnects every client after the requests it has in flight (e.g. before a forced demotion). */
    public void closeConnections(Duration grace) {
        for (Channel ch : connections) {
            ch.eventLoop().execute(() -> ch.config().setAutoRead(false));
        }
        long deadline = System.nanoTime() + grace.toNanos();
        while (busyConnections() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        int busy = busyConnections();
        if (busy > 0) {
            LOG.warn(busy + " connections still had requests in flight after " + grace.toSeconds() + " s");
        }
        connections.close().syncUninterruptibly();
    }

    private int busyConnections() {
        int busy = 0;
        for (Channel ch : connections) {
            NbdSession session = ch.pipeline().get(NbdSession.class);
            if (session != null && ch.isActive()) {
                try {
                    busy += ch.eventLoop().submit(session::inflight).get() > 0 ? 1 : 0;
                } catch (Exception e) {
                    // the channel closed meanwhile: nothing in flight any more
                }
            }
        }
        return busy;
    }

    private static void closeDevice(Export export) {
        BlockDevice device = export.device();
        try {
            if (!export.readOnly() && device.refusal() == null) { // a device that admits no client holds no client writes
                device.flush();
            }
            device.close();
        } catch (IOException e) {
            LOG.error("flushing export '" + export.name() + "' on shutdown failed", e);
        }
    }

    @Override
    public void close() {
        stop(Duration.ofSeconds(10));
    }

    private static final class IoThreadFactory implements java.util.concurrent.ThreadFactory {
        private final AtomicInteger count = new AtomicInteger();

        @Override
        public Thread newThread(Runnable r) {
            Thread t = new Thread(r, "nbd-io-" + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        }
    }
}
