package io.replicator.link;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.ScheduledFuture;
import io.replicator.core.ReplicaCore;
import io.replicator.nbd.server.Log;
import io.replicator.wire.FrameDecoder;
import io.replicator.wire.FrameEncoder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * The replication link of one node: the node whose name sorts first dials the peer (again every
 * connect-interval while it is not connected and not StandAlone); the other accepts. Each connection
 * is framed (CRC32C, optional LZ4), optionally TLS, pinged, and authenticated before the core sees it.
 */
public final class PeerLink implements AutoCloseable {
    private final LinkSettings settings;
    private final ReplicaCore core;
    private final Log log;
    private final EventLoopGroup group;
    private final boolean epoll;
    private final Applier applier;
    private Channel listener;
    private ScheduledFuture<?> dialer;
    private volatile Channel current;
    private volatile boolean dialing;
    private volatile String lastDialError;

    public PeerLink(LinkSettings settings, ReplicaCore core, Log log) {
        this.settings = settings;
        this.core = core;
        this.log = log;
        this.epoll = Epoll.isAvailable();
        this.group = new MultiThreadIoEventLoopGroup(1, epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        this.applier = new Applier(core, log, "apply-" + settings.resource());
    }

    public void start() throws IOException, InterruptedException {
        applier.start();
        if (settings.dials()) {
            long every = settings.connectInterval().toMillis();
            dialer = group.next().scheduleWithFixedDelay(this::dial, 0, every, TimeUnit.MILLISECONDS);
            log.info("replication link: dialling " + settings.peer() + " at " + settings.peerAddress());
            return;
        }
        ServerBootstrap b = new ServerBootstrap()
                .group(group)
                .channel(epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(initializer(settings.serverTls(), true));
        ChannelFuture bound = b.bind(settings.listen().host(), settings.listen().port()).await();
        if (!bound.isSuccess()) {
            throw new IOException("cannot listen for the peer on " + settings.listen() + ": " + bound.cause().getMessage(), bound.cause());
        }
        listener = bound.channel();
        log.info("replication link: listening for " + settings.peer() + " on " + settings.listen());
    }

    /** Dial now (after {@code replctl connect}) instead of at the next interval. */
    public void wake() {
        if (settings.dials()) {
            group.next().execute(this::dial);
        }
    }

    private void dial() {
        Channel ch = current;
        if (dialing || (ch != null && ch.isActive()) || !core.wantsConnection()) {
            return;
        }
        dialing = true;
        Bootstrap b = new Bootstrap()
                .group(group)
                .channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.max(1000, settings.pingTimeout().toMillis()))
                .handler(initializer(settings.clientTls(), false));
        InetSocketAddress local = new InetSocketAddress(settings.listen().host(), 0);
        b.connect(new InetSocketAddress(settings.peerAddress().host(), settings.peerAddress().port()), local)
                .addListener((ChannelFuture f) -> {
                    dialing = false;
                    if (f.isSuccess()) {
                        lastDialError = null;
                        current = f.channel();
                    } else {
                        String error = String.valueOf(f.cause().getMessage());
                        if (!error.equals(lastDialError)) {
                            log.info("cannot reach " + settings.peer() + " at " + settings.peerAddress() + ": " + error
                                    + " (retrying every " + settings.connectInterval().toMillis() + " ms)");
                            lastDialError = error;
                        }
                    }
                });
    }

    private ChannelInitializer<SocketChannel> initializer(SslContext tls, boolean accepting) {
        return new ChannelInitializer<>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                if (accepting && !core.wantsConnection()) {
                    log.info("refusing a link from " + ch.remoteAddress() + ": this node is StandAlone");
                    ch.close();
                    return;
                }
                ChannelPipeline p = ch.pipeline();
                if (tls != null) {
                    // the dialler checks that the peer's certificate names the address it dialled
                    p.addLast(accepting ? tls.newHandler(ch.alloc())
                            : tls.newHandler(ch.alloc(), settings.peerAddress().host(), settings.peerAddress().port()));
                }
                p.addLast(new FlushConsolidationHandler(256, true));
                p.addLast(new FrameDecoder());
                p.addLast(new FrameEncoder(settings.compress()));
                p.addLast(new IdleStateHandler(settings.pingTimeout().toMillis(), 0, 0, TimeUnit.MILLISECONDS));
                p.addLast(new LinkHandler(settings, core, applier, log));
            }
        };
    }

    @Override
    public void close() throws InterruptedException {
        if (dialer != null) {
            dialer.cancel(false);
        }
        if (listener != null) {
            listener.close().await();
        }
        Channel ch = current;
        if (ch != null) {
            ch.close().await();
        }
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).await();
        applier.stop();
    }
}
