package io.replicator.config;

import java.nio.file.Path;
import java.time.Duration;

/** The replication link: keep-alive, reconnect, compression, TLS (all three paths or none) and the in-flight bound. */
public record NetOptions(Duration pingInterval, Duration pingTimeout, Duration connectInterval, Compression compression,
        Path tlsCert, Path tlsKey, Path tlsCa, long maxBufferBytes) {

    /** Whether the link runs over TLS (the loader guarantees cert, key and CA are then all set). */
    public boolean tls() {
        return tlsCert != null;
    }
}
