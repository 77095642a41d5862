package io.replicator.control;

import com.sun.security.auth.module.UnixSystem;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.handler.timeout.ReadTimeoutHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.replicator.nbd.server.Log;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * The daemon's control socket: a Unix socket, mode 0600, open to root and the daemon's own user.
 * Each connection carries one JSON request line and gets one JSON response line, then closes.
 * Commands run one at a time on their own thread, since promote may wait for the peer.
 */
public final class ControlServer implements AutoCloseable {
    private static final Log LOG = new Log("control");
    public static final int MAX_REQUEST_BYTES = 4096;
    static final int MAX_QUEUED_COMMANDS = 16;
    static final int REQUEST_TIMEOUT_SECONDS = 10;

    private final Path socket;
    private final ReplicaControl control;
    private final long[] allowedUids;
    private final EventLoopGroup group;
    private final ThreadPoolExecutor commands;
    private final AtomicBoolean closed = new AtomicBoolean();
    private Channel listener;

    private ControlServer(Path socket, ReplicaControl control, long[] allowedUids) {
        this.socket = socket;
        this.control = control;
        this.allowedUids = allowedUids.clone();
        this.group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("control-io", true), EpollIoHandler.newFactory());
        this.commands = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(MAX_QUEUED_COMMANDS), new DefaultThreadFactory("control-command", true));
    }

    /** Listens on {@code socket} for root and the user this daemon runs as. */
    public static ControlServer start(Path socket, ReplicaControl control) throws IOException {
        long own = new UnixSystem().getUid();
        return start(socket, control, own == 0 ? new long[] {0} : new long[] {0, own});
    }

    static ControlServer start(Path socket, ReplicaControl control, long[] allowedUids) throws IOException {
        if (!Epoll.isAvailable()) {
            throw new IOException("the control socket needs the native epoll transport, which is unavailable here: "
                    + Epoll.unavailabilityCause());
        }
        ControlSocketFile.removeIfStale(socket);
        ControlServer server = new ControlServer(socket, control, allowedUids);
        try {
            server.bind();
        } catch (IOException | RuntimeException e) {
            server.close();
            throw e;
        }
        LOG.info("control socket listening on " + socket + " (mode 0600, uids " + Arrays.toString(allowedUids) + ")");
        return server;
    }

    private void bind() throws IOException {
        ServerBootstrap bootstrap = new ServerBootstrap().group(group).channel(EpollServerDomainSocketChannel.class)
                .childHandler(new ChannelInitializer<EpollDomainSocketChannel>() {
                    @Override
                    protected void initChannel(EpollDomainSocketChannel ch) {
                        ch.pipeline().addLast("timeout", new ReadTimeoutHandler(REQUEST_TIMEOUT_SECONDS))
                                .addLast("lines", new LineBasedFrameDecoder(MAX_REQUEST_BYTES, true, true))
                                .addLast("request", new ControlHandler(ControlServer.this));
                    }
                });
        try {
            listener = bootstrap.bind(new DomainSocketAddress(socket.toString())).sync().channel();
        } catch (Exception e) {
            throw new IOException("cannot listen on control socket " + socket + ": " + e.getMessage(), e);
        }
        ControlSocketFile.restrictToOwner(socket);
    }

    boolean allows(int uid) {
        for (long allowed : allowedUids) {
            if (allowed == uid) {
                return true;
            }
        }
        return false;
    }

    String allowedUidsText() {
        return Arrays.toString(allowedUids);
    }

    /** Commands accepted but not started yet. */
    int waitingCommands() {
        return commands.getQueue().size();
    }

    /** Queues the request behind earlier ones; {@code reply} gets the response on the command thread. */
    void submit(ControlRequest request, String peer, Consumer<ControlResponse> reply) {
        try {
            commands.execute(() -> reply.accept(execute(request, peer)));
        } catch (RejectedExecutionException e) {
            LOG.warn(request.command() + " from " + peer + " refused: " + MAX_QUEUED_COMMANDS + " control commands already waiting");
            reply.accept(ControlResponse.refusedWithoutStatus("busy: " + MAX_QUEUED_COMMANDS
                    + " control commands are already waiting (is a promote stuck waiting for the peer?); try again"));
        }
    }

    private ControlResponse execute(ControlRequest request, String peer) {
        ControlCommand command = request.command();
        String asked = command + (request.force() ? " --force" : "");
        if (request.force()) {
            LOG.warn(asked + " requested by " + peer + ": safety checks may be overridden");
        }
        ControlResult result;
        try {
            result = command.applyTo(control, request.force());
        } catch (RuntimeException e) {
            LOG.error(asked + " from " + peer + " failed", e);
            result = ControlResult.refused("internal error while running " + asked + ": " + e
                    + " (see the daemon's log)");
        }
        if (command != ControlCommand.status || !result.done()) {
            LOG.info(asked + " from " + peer + ": " + (result.done() ? "done: " : "refused: ") + result.message());
        }
        NodeStatus status = null;
        try {
            status = control.status();
        } catch (RuntimeException e) {
            LOG.error("status after " + asked + " failed", e);
        }
        return new ControlResponse(result.done(), result.message(), status);
    }

    /** Stops listening, lets a running command finish (up to 5 s), removes the socket file. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (listener != null) {
            listener.close().syncUninterruptibly();
        }
        commands.shutdown();
        try {
            if (!commands.awaitTermination(5, TimeUnit.SECONDS)) {
                LOG.warn("a control command was still running at shutdown: interrupting it");
                commands.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        if (listener != null) {
            try {
                Files.deleteIfExists(socket);
            } catch (IOException e) {
                LOG.warn("cannot remove control socket " + socket + ": " + e.getMessage());
            }
        }
    }
}
