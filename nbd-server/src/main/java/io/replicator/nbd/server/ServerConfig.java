package io.replicator.nbd.server;

import io.netty.handler.ssl.SslContext;
import java.util.List;

/**
 * What an {@link NbdServer} serves and how. {@code ioThreads} run disk I/O; {@code maxInflight}
 * bounds the requests one connection may have running; {@code maxConnections} bounds connections.
 */
public record ServerConfig(
        List<Export> exports,
        List<ListenAddress> listen,
        TlsMode tlsMode,
        SslContext sslContext,
        int eventLoopThreads,
        int ioThreads,
        int maxInflight,
        int maxConnections) {

    public static final int DEFAULT_IO_THREADS = 16;
    public static final int DEFAULT_MAX_INFLIGHT = 64;
    public static final int DEFAULT_MAX_CONNECTIONS = 64;

    public ServerConfig {
        exports = List.copyOf(exports);
        listen = List.copyOf(listen);
        if (exports.isEmpty()) {
            throw new IllegalArgumentException("no export to serve");
        }
        if (listen.isEmpty()) {
            throw new IllegalArgumentException("no listen address");
        }
        if (tlsMode != TlsMode.OFF && sslContext == null) {
            throw new IllegalArgumentException("TLS mode " + tlsMode + " needs a certificate and a key");
        }
        if (exports.stream().map(Export::name).distinct().count() != exports.size()) {
            throw new IllegalArgumentException("two exports have the same name");
        }
    }

    public static ServerConfig of(List<Export> exports, List<ListenAddress> listen) {
        return new ServerConfig(exports, listen, TlsMode.OFF, null, 0, DEFAULT_IO_THREADS, DEFAULT_MAX_INFLIGHT, DEFAULT_MAX_CONNECTIONS);
    }

    public ServerConfig withTls(TlsMode mode, SslContext context) {
        return new ServerConfig(exports, listen, mode, context, eventLoopThreads, ioThreads, maxInflight, maxConnections);
    }
}
