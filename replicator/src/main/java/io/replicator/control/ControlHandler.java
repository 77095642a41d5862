package io.replicator.control;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.unix.PeerCredentials;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.timeout.ReadTimeoutException;
import io.replicator.nbd.server.Log;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** One control connection: check the peer's uid, read one request line, answer once, close. */
final class ControlHandler extends SimpleChannelInboundHandler<ByteBuf> {
    private static final Log LOG = new Log("control");

    private final ControlServer server;
    private String peer = "an unidentified peer";
    /** Set when the peer may not control us: answered to its request, so the client reads it. */
    private String refusal;
    private boolean answered;

    ControlHandler(ControlServer server) {
        this.server = server;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        PeerCredentials credentials;
        try {
            credentials = ((EpollDomainSocketChannel) ctx.channel()).peerCredentials();
        } catch (IOException e) {
            LOG.warn("refusing a control connection whose credentials cannot be read: " + e.getMessage());
            ctx.close();
            answered = true;
            return;
        }
        peer = "uid " + credentials.uid() + " (pid " + credentials.pid() + ")";
        if (!server.allows(credentials.uid())) {
            LOG.warn("refusing control connection from " + peer + ": allowed uids are " + server.allowedUidsText());
            refusal = "permission denied: uid " + credentials.uid()
                    + " may not control this daemon (run replctl as root or as the daemon's user)";
        }
        ctx.fireChannelActive();
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, ByteBuf line) {
        if (answered) {
            return; // one request per connection: anything after it is ignored
        }
        if (refusal != null) {
            answer(ctx, ControlResponse.refusedWithoutStatus(refusal));
            return;
        }
        ctx.pipeline().remove("timeout"); // a promote may take long; the client bounds its own wait
        ControlRequest request;
        try {
            request = ControlRequest.parse(line.toString(StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            refuseBadRequest(ctx, e.getMessage());
            return;
        }
        answered = true;
        server.submit(request, peer, response -> answer(ctx, response));
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof TooLongFrameException) {
            refuseBadRequest(ctx, "request line longer than " + ControlServer.MAX_REQUEST_BYTES + " bytes");
        } else if (cause instanceof ReadTimeoutException) {
            LOG.warn("control connection from " + peer + " sent no request within "
                    + ControlServer.REQUEST_TIMEOUT_SECONDS + " s: closing it");
            ctx.close();
        } else {
            LOG.warn("control connection from " + peer + ": " + cause);
            ctx.close();
        }
    }

    private void refuseBadRequest(ChannelHandlerContext ctx, String reason) {
        if (answered) {
            return;
        }
        if (refusal != null) {
            answer(ctx, ControlResponse.refusedWithoutStatus(refusal));
            return;
        }
        LOG.warn("bad request from " + peer + ": " + reason);
        answer(ctx, ControlResponse.refusedWithoutStatus("bad request: " + reason));
    }

    private void answer(ChannelHandlerContext ctx, ControlResponse response) {
        answered = true;
        String json;
        try {
            json = ControlJson.STRICT.writeValueAsString(response);
        } catch (JsonProcessingException e) {
            LOG.error("cannot encode the control response to " + peer, e);
            ctx.close();
            return;
        }
        ByteBuf bytes = Unpooled.copiedBuffer(json + "\n", StandardCharsets.UTF_8);
        ctx.writeAndFlush(bytes).addListener(ChannelFutureListener.CLOSE);
    }
}
