package io.replicator.core;

import io.replicator.wire.Message;

/** The core's view of one authenticated connection to the peer. Implementations must be thread-safe. */
public interface PeerPort {

    /** Queues a message; messages leave in the order of the calls. Takes ownership of its buffers. */
    void send(Message message);

    /** Closes the connection; the core hears of it through {@link ReplicaCore#linkDown}. */
    void close(String reason);
}
