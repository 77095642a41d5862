package io.replicator.link;

import io.netty.channel.Channel;
import io.replicator.core.PeerPort;
import io.replicator.nbd.server.Log;
import io.replicator.wire.Message;

/** A {@link PeerPort} over a Netty channel: writes from any thread keep their order (the event loop's queue). */
final class ChannelPort implements PeerPort {
    private final Channel channel;
    private final Log log;
    /** The newest stream position read from this connection (the "received" acknowledgement). */
    volatile long received;

    ChannelPort(Channel channel, Log log) {
        this.channel = channel;
        this.log = log;
    }

    @Override
    public void send(Message message) {
        channel.writeAndFlush(message, channel.voidPromise());
    }

    @Override
    public void close(String reason) {
        if (channel.isOpen()) {
            log.info("closing the link to " + channel.remoteAddress() + ": " + reason);
            channel.close();
        }
    }

    Channel channel() {
        return channel;
    }

    @Override
    public String toString() {
        return String.valueOf(channel.remoteAddress());
    }
}
