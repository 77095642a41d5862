package io.replicator.link;

import io.netty.handler.ssl.SslContext;
import io.replicator.nbd.server.ListenAddress;
import java.time.Duration;

/**
 * How this node's end of the replication link behaves. The node whose name sorts first dials; the
 * other only accepts, so that the pair never races two connections against each other.
 */
public record LinkSettings(
        String resource,
        String node,
        String peer,
        ListenAddress.Tcp listen,
        ListenAddress.Tcp peerAddress,
        byte[] secret,
        long sizeBytes,
        Duration pingInterval,
        Duration pingTimeout,
        Duration connectInterval,
        boolean compress,
        SslContext serverTls,
        SslContext clientTls,
        long maxBufferBytes) {

    public boolean dials() {
        return node.compareTo(peer) < 0;
    }
}
