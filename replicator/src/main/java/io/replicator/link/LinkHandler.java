package io.replicator.link;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.replicator.core.ReplicaCore;
import io.replicator.nbd.server.Log;
import io.replicator.wire.Message;
import io.replicator.wire.WireConstants;
import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * One connection of the replication link. Handshake: both sides send Hello (version, resource, node,
 * size, a nonce), answer the other's nonce with an HMAC of the shared secret, check the answer, then
 * exchange NodeInfo; only then is the connection handed to the core. Afterwards acks and pings are
 * handled here on the event loop and everything else goes, in order, to the {@link Applier}.
 */
final class LinkHandler extends ChannelInboundHandlerAdapter {
    static final int VERSION = WireConstants.VERSION;

    private enum State { HELLO, AUTH, INFO, UP, CLOSED }

    private final LinkSettings settings;
    private final ReplicaCore core;
    private final Applier applier;
    private final Log log;
    private final byte[] nonce = Hmac.nonce();
    private State state = State.HELLO;
    private ChannelPort port;
    /** This node's NodeInfo as sent in the handshake: the peer decides from it. */
    private Message.NodeInfo sentInfo;
    private ScheduledFuture<?> handshakeTimeout;
    private ScheduledFuture<?> pinger;
    private long pings;
    private long ackedReceived;

    LinkHandler(LinkSettings settings, ReplicaCore core, Applier applier, Log log) {
        this.settings = settings;
        this.core = core;
        this.applier = applier;
        this.log = log;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        port = new ChannelPort(ctx.channel(), log);
        ctx.writeAndFlush(new Message.Hello(VERSION, settings.resource(), settings.node(), settings.sizeBytes(), nonce));
        long timeout = Math.max(settings.pingTimeout().toMillis(), 10_000);
        handshakeTimeout = ctx.executor().schedule(() -> refuse(ctx, "no complete handshake within " + timeout + " ms"),
                timeout, TimeUnit.MILLISECONDS);
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (state == State.UP) {
            established(ctx, msg);
            return;
        }
        if (state == State.CLOSED) {
            ReferenceCountUtil.release(msg);
            return;
        }
        try {
            handshake(ctx, (Message) msg);
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void handshake(ChannelHandlerContext ctx, Message msg) {
        if (msg instanceof Message.Refused refused) {
            log.warn("the peer at " + port + " refused the connection: " + refused.reason());
            close(ctx);
        } else if (state == State.HELLO && msg instanceof Message.Hello hello) {
            String problem = check(hello);
            if (problem != null) {
                refuse(ctx, problem);
                return;
            }
            ctx.writeAndFlush(new Message.Auth(Hmac.answer(settings.secret(), hello.nonce(), settings.node(), settings.resource())));
            state = State.AUTH;
        } else if (state == State.AUTH && msg instanceof Message.Auth auth) {
            byte[] expected = Hmac.answer(settings.secret(), nonce, settings.peer(), settings.resource());
            if (!Hmac.verify(expected, auth.mac())) {
                log.warn("the peer at " + port + " failed authentication: the shared secrets differ (check secret-file on both nodes)");
                refuse(ctx, "authentication failed: the shared secrets differ");
                return;
            }
            sentInfo = core.nodeInfo();
            ctx.writeAndFlush(sentInfo);
            state = State.INFO;
        } else if (state == State.INFO && msg instanceof Message.NodeInfo info) {
            handshakeTimeout.cancel(false);
            state = State.UP;
            log.info("authenticated " + settings.peer() + " at " + port);
            applier.submit(port, new Applier.LinkUp(info, sentInfo));
            long interval = settings.pingInterval().toMillis();
            pinger = ctx.executor().scheduleAtFixedRate(() -> ctx.writeAndFlush(new Message.Ping(++pings)),
                    interval, interval, TimeUnit.MILLISECONDS);
        } else {
            refuse(ctx, "unexpected " + msg.getClass().getSimpleName() + " during the handshake (" + state + ")");
        }
    }

    private String check(Message.Hello hello) {
        if (hello.version() != VERSION) {
            return "link protocol version " + hello.version() + " (expected: " + VERSION + ")";
        }
        if (!hello.resource().equals(settings.resource())) {
            return "resource '" + hello.resource() + "' (expected: '" + settings.resource() + "')";
        }
        if (!hello.node().equals(settings.peer())) {
            return "node '" + hello.node() + "' (expected: '" + settings.peer() + "')";
        }
        if (hello.sizeBytes() != settings.sizeBytes()) {
            return "volume size " + hello.sizeBytes() + " bytes (expected: " + settings.sizeBytes() + ")";
        }
        return null;
    }

    private void established(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof Message.Stream m) {
            port.received = m.pos();
            applier.submit(port, m);
        } else if (msg instanceof Message.Ack ack) {
            core.onAck(port, ack);

        } else if (msg instanceof Message.Ping ping) {
            ctx.writeAndFlush(new Message.Pong(ping.id()));
        } else if (msg instanceof Message.Pong) {
            // any message proves the peer alive (the idle handler watches reads)
        } else if (msg instanceof Message.NodeInfo || msg instanceof Message.PromoteRequest
                || msg instanceof Message.PromoteReply || msg instanceof Message.Refused || msg instanceof Message.DigestReply) {
            applier.submit(port, msg);
        } else {
            ReferenceCountUtil.release(msg);
            refuse(ctx, "unexpected " + msg.getClass().getSimpleName() + " after the handshake");
        }
    }

    /** Protocol B answers "received" as soon as a read batch is in. */
    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (state == State.UP && port.received > ackedReceived) {
            ackedReceived = port.received;
            ctx.writeAndFlush(core.ackFor(port, ackedReceived));
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent) {
            log.warn("no message from " + settings.peer() + " at " + port + " for " + settings.pingTimeout().toMillis()
                    + " ms: closing the link");
            close(ctx);
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (handshakeTimeout != null) {
            handshakeTimeout.cancel(false);
        }
        if (pinger != null) {
            pinger.cancel(false);
        }
        if (state == State.UP) {
            applier.submit(port, new Applier.LinkDown("the connection closed"));
        }
        state = State.CLOSED;
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (state == State.CLOSED) {
            return; // the link is already going: one line about it is enough
        }
        Throwable tls = cause instanceof javax.net.ssl.SSLException ? cause : cause.getCause();
        if (tls instanceof javax.net.ssl.SSLException) {
            log.warn("TLS handshake with " + port + " failed: " + tls.getMessage() + " (check net.tls-cert, tls-key and tls-ca on both nodes)");
        } else if (cause instanceof IOException) {
            log.info("link to " + port + ": " + cause.getMessage());
        } else {
            log.warn("malformed data from " + port + ": " + cause.getMessage() + "; closing the link (nothing was written)");
        }
        close(ctx);
    }

    private void refuse(ChannelHandlerContext ctx, String reason) {
        log.warn("refusing the link with " + port + ": " + reason);
        ctx.writeAndFlush(new Message.Refused(reason)).addListener(f -> ctx.close());
        state = state == State.UP ? State.UP : State.CLOSED;
    }

    private void close(ChannelHandlerContext ctx) {
        ctx.close();
    }
}
