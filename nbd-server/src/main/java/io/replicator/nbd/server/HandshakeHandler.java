package io.replicator.nbd.server;

import static io.replicator.nbd.wire.NbdConstants.*;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.replicator.nbd.codec.OptionReplies;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Fixed-newstyle handshake: client flags, then options until EXPORT_NAME or GO hands the connection
 * to the transmission phase. Bad option data gets an error reply and the session goes on; a broken
 * frame (bad magic, unknown client flags, an option over {@code MAX_OPTION_BYTES}) closes it.
 */
final class HandshakeHandler extends ByteToMessageDecoder {
    private static final Log LOG = new Log("nbd");
    private static final long HANDSHAKE_TIMEOUT_SECONDS = 60;

    /** Called once the handshake chose an export; replaces this handler with the transmission ones. */
    interface TransmissionStarter {
        void start(ChannelHandlerContext ctx, Export export, boolean structuredReplies, boolean baseAllocation);
    }

    private enum State { CLIENT_FLAGS, OPTION_HEADER, OPTION_DATA, DONE }

    private final Map<String, Export> exports;
    private final TlsMode tlsMode;
    private final SslContext sslContext;
    private final TransmissionStarter starter;

    private State state = State.CLIENT_FLAGS;
    private boolean noZeroes;
    private boolean tlsActive;
    private boolean structuredReplies;
    private String metaContextExport; // export the base:allocation selection was made for, or null
    private int option;
    private int optionLength;
    private ScheduledFuture<?> timeout;

    HandshakeHandler(Map<String, Export> exports, TlsMode tlsMode, SslContext sslContext, TransmissionStarter starter) {
        this.exports = exports;
        this.tlsMode = tlsMode;
        this.sslContext = sslContext;
        this.starter = starter;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        timeout = ctx.executor().schedule(() -> {
            LOG.warn("handshake from " + ctx.channel().remoteAddress() + " took over " + HANDSHAKE_TIMEOUT_SECONDS + " s: closing");
            ctx.close();
        }, HANDSHAKE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        ctx.writeAndFlush(OptionReplies.greeting(ctx.alloc()));
        super.channelActive(ctx);
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
        if (timeout != null) {
            timeout.cancel(false);
        }
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        switch (state) {
            case CLIENT_FLAGS -> decodeClientFlags(ctx, in);
            case OPTION_HEADER -> decodeOptionHeader(ctx, in);
            case OPTION_DATA -> decodeOptionData(ctx, in);
            case DONE -> in.skipBytes(in.readableBytes());
        }
    }

    private void decodeClientFlags(ChannelHandlerContext ctx, ByteBuf in) {
        if (in.readableBytes() < 4) {
            return;
        }
        long flags = in.readUnsignedInt();
        if ((flags & ~(long) (CLIENT_FLAG_FIXED_NEWSTYLE | CLIENT_FLAG_NO_ZEROES)) != 0) {
            hangUp(ctx, in, "unknown client flags 0x" + Long.toHexString(flags));
            return;
        }
        noZeroes = (flags & CLIENT_FLAG_NO_ZEROES) != 0;
        state = State.OPTION_HEADER;
    }

    private void decodeOptionHeader(ChannelHandlerContext ctx, ByteBuf in) {
        if (in.readableBytes() < 16) {
            return;
        }
        long magic = in.readLong();
        option = in.readInt();
        long length = in.readUnsignedInt();
        if (magic != IHAVEOPT) {
            hangUp(ctx, in, "bad option magic 0x" + Long.toHexString(magic));
        } else if (length > MAX_OPTION_BYTES) {
            hangUp(ctx, in, "option length: " + length + " (expected: <= " + MAX_OPTION_BYTES + ")");
        } else {
            optionLength = (int) length;
            state = State.OPTION_DATA;
            decodeOptionData(ctx, in); // an option without data is complete now: no more bytes will come
        }
    }

    private void decodeOptionData(ChannelHandlerContext ctx, ByteBuf in) {
        if (in.readableBytes() < optionLength) {
            return;
        }
        ByteBuf data = in.readSlice(optionLength);
        state = State.OPTION_HEADER;
        handleOption(ctx, in, data);
    }

    private void handleOption(ChannelHandlerContext ctx, ByteBuf in, ByteBuf data) {
        if (tlsMode == TlsMode.REQUIRED && !tlsActive && option != OPT_STARTTLS && option != OPT_ABORT) {
            if (option == OPT_EXPORT_NAME) {
                hangUp(ctx, in, "EXPORT_NAME before STARTTLS while TLS is required");
            } else {
                error(ctx, REP_ERR_TLS_REQD, "TLS is required: use STARTTLS (nbds:// URI)");
            }
            return;
        }
        switch (option) {
            case OPT_EXPORT_NAME -> exportName(ctx, in, data);
            case OPT_ABORT -> abort(ctx, in);
            case OPT_LIST -> list(ctx, data);
            case OPT_STARTTLS -> startTls(ctx, in, data);
            case OPT_INFO, OPT_GO -> infoOrGo(ctx, data);
            case OPT_STRUCTURED_REPLY -> structuredReply(ctx, data);
            case OPT_LIST_META_CONTEXT, OPT_SET_META_CONTEXT -> metaContext(ctx, data);
            default -> error(ctx, REP_ERR_UNSUP, "option " + option + " is not supported");
        }
    }

    private void exportName(ChannelHandlerContext ctx, ByteBuf in, ByteBuf data) {
        Export export = exportNamed(data.toString(StandardCharsets.UTF_8));
        if (export == null) {
            hangUp(ctx, in, "EXPORT_NAME of an unknown export");
            return;
        }
        String refusal = export.device().refusal();
        if (refusal != null) {
            hangUp(ctx, in, "EXPORT_NAME refused: " + refusal);
            return;
        }
        ctx.writeAndFlush(OptionReplies.exportNameReply(
                ctx.alloc(), export.sizeBytes(), export.transmissionFlags(structuredReplies), noZeroes));
        enterTransmission(ctx, export);
    }

    private void abort(ChannelHandlerContext ctx, ByteBuf in) {
        state = State.DONE;
        in.skipBytes(in.readableBytes());
        ctx.writeAndFlush(OptionReplies.ack(ctx.alloc(), OPT_ABORT)).addListener(ChannelFutureListener.CLOSE);
    }

    private void list(ChannelHandlerContext ctx, ByteBuf data) {
        if (data.isReadable()) {
            error(ctx, REP_ERR_INVALID, "LIST takes no data");
            return;
        }
        for (Export export : exports.values()) {
            ctx.write(OptionReplies.server(ctx.alloc(), export.name(), export.description()));
        }
        ctx.writeAndFlush(OptionReplies.ack(ctx.alloc(), OPT_LIST));
    }

    private void startTls(ChannelHandlerContext ctx, ByteBuf in, ByteBuf data) {
        if (tlsMode == TlsMode.OFF) {
            error(ctx, REP_ERR_POLICY, "TLS is not enabled on this server");
        } else if (tlsActive) {
            error(ctx, REP_ERR_INVALID, "TLS is already active");
        } else if (data.isReadable()) {
            error(ctx, REP_ERR_INVALID, "STARTTLS takes no data");
        } else if (in.isReadable()) {
            hangUp(ctx, in, "data sent after STARTTLS before the TLS handshake");
        } else {
            tlsActive = true;
            structuredReplies = false; // STARTTLS discards all earlier negotiation
            metaContextExport = null;
            ctx.writeAndFlush(OptionReplies.ack(ctx.alloc(), OPT_STARTTLS)).addListener(f -> {
                if (f.isSuccess()) {
                    ctx.pipeline().addFirst("tls", new SslHandler(sslContext.newEngine(ctx.alloc())));
                }
            });
        }
    }

    private void infoOrGo(ChannelHandlerContext ctx, ByteBuf data) {
        String name = readString(data, 4);
        if (name == null || data.readableBytes() < 2) {
            error(ctx, REP_ERR_INVALID, "malformed INFO/GO request");
            return;
        }
        int requests = data.readUnsignedShort();
        if (data.readableBytes() != requests * 2) {
            error(ctx, REP_ERR_INVALID, "INFO/GO request count does not match its length");
            return;
        }
        Export export = exportNamed(name);
        if (export == null) {
            error(ctx, REP_ERR_UNKNOWN, "no export named '" + name + "' (list them with nbdinfo --list)");
            return;
        }
        String refusal = export.device().refusal();
        if (refusal != null) {
            LOG.info("refusing client " + ctx.channel().remoteAddress() + ": " + refusal);
            error(ctx, REP_ERR_POLICY, refusal);
            return;
        }
        boolean wantName = false;
        boolean wantDescription = false;
        for (int i = 0; i < requests; i++) {
            int info = data.readUnsignedShort();
            wantName |= info == INFO_NAME;
            wantDescription |= info == INFO_DESCRIPTION;
        }
        ctx.write(OptionReplies.infoExport(ctx.alloc(), option, export.sizeBytes(), export.transmissionFlags(structuredReplies)));
        if (wantName) {
            ctx.write(OptionReplies.infoString(ctx.alloc(), option, INFO_NAME, export.name()));
        }
        if (wantDescription && !export.description().isEmpty()) {
            ctx.write(OptionReplies.infoString(ctx.alloc(), option, INFO_DESCRIPTION, export.description()));
        }
        ctx.write(OptionReplies.infoBlockSize(ctx.alloc(), option, export.minBlockBytes(), export.preferredBlockBytes(), MAX_PAYLOAD_BYTES));
        ctx.writeAndFlush(OptionReplies.ack(ctx.alloc(), option));
        if (option == OPT_GO) {
            if (metaContextExport != null && !metaContextExport.equals(export.name())) {
                metaContextExport = null; // the selection was made for another export
            }
            enterTransmission(ctx, export);
        }
    }

    private void structuredReply(ChannelHandlerContext ctx, ByteBuf data) {
        if (data.isReadable()) {
            error(ctx, REP_ERR_INVALID, "STRUCTURED_REPLY takes no data");
            return;
        }
        structuredReplies = true;
        ctx.writeAndFlush(OptionReplies.ack(ctx.alloc(), option));
    }

    /** LIST_META_CONTEXT and SET_META_CONTEXT: u32 name length, name, u32 query count, queries. */
    private void metaContext(ChannelHandlerContext ctx, ByteBuf data) {
        boolean set = option == OPT_SET_META_CONTEXT;
        if (set && !structuredReplies) {
            error(ctx, REP_ERR_INVALID, "SET_META_CONTEXT needs structured replies first");
            return;
        }
        String name = readString(data, 4);
        if (name == null || data.readableBytes() < 4) {
            error(ctx, REP_ERR_INVALID, "malformed meta context request");
            return;
        }
        Export export = exportNamed(name);
        if (export == null) {
            error(ctx, REP_ERR_UNKNOWN, "no export named '" + name + "'");
            return;
        }
        long queries = data.readUnsignedInt();
        boolean match = !set && queries == 0; // LIST with no query lists everything
        for (long i = 0; i < queries; i++) {
            String query = readString(data, 4);
            if (query == null) {
                error(ctx, REP_ERR_INVALID, "malformed meta context query");
                return;
            }
            match |= query.equals(META_BASE_ALLOCATION) || (!set && query.equals("base:"));
        }
        if (data.isReadable()) {
            error(ctx, REP_ERR_INVALID, "trailing bytes after meta context queries");
            return;
        }
        if (set) {
            metaContextExport = match ? export.name() : null;
        }
        if (match) {
            ctx.write(OptionReplies.metaContext(ctx.alloc(), option, set ? META_ID_BASE_ALLOCATION : 0, META_BASE_ALLOCATION));
        }
        ctx.writeAndFlush(OptionReplies.ack(ctx.alloc(), option));
    }

    private void enterTransmission(ChannelHandlerContext ctx, Export export) {
        state = State.DONE;
        boolean baseAllocation = structuredReplies && export.name().equals(metaContextExport);
        starter.start(ctx, export, structuredReplies, baseAllocation);
    }

    /** The empty name means the first (default) export. */
    private Export exportNamed(String name) {
        if (name.isEmpty()) {
            return exports.values().iterator().next();
        }
        return exports.get(name);
    }

    /** Reads a string prefixed by a 4-byte length; null when malformed or over the spec's bound. */
    private static String readString(ByteBuf data, int lengthBytes) {
        if (data.readableBytes() < lengthBytes) {
            return null;
        }
        long length = data.readUnsignedInt();
        if (length > MAX_STRING_BYTES || length > data.readableBytes()) {
            return null;
        }
        return data.readCharSequence((int) length, StandardCharsets.UTF_8).toString();
    }

    private void error(ChannelHandlerContext ctx, int type, String message) {
        ctx.writeAndFlush(OptionReplies.error(ctx.alloc(), option, type, message));
    }

    private void hangUp(ChannelHandlerContext ctx, ByteBuf in, String reason) {
        LOG.warn("closing handshake with " + ctx.channel().remoteAddress() + ": " + reason);
        state = State.DONE;
        in.skipBytes(in.readableBytes());
        ctx.close();
    }
}
