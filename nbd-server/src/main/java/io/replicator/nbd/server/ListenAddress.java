package io.replicator.nbd.server;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Path;

/** Where the server listens: {@code HOST:PORT} (TCP) or {@code unix:PATH}. */
public sealed interface ListenAddress {

    SocketAddress socketAddress();

    record Tcp(String host, int port) implements ListenAddress {
        @Override
        public SocketAddress socketAddress() {
            return new InetSocketAddress(host, port);
        }

        @Override
        public String toString() {
            return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
        }
    }

    record Unix(Path path) implements ListenAddress {
        @Override
        public SocketAddress socketAddress() {
            return new io.netty.channel.unix.DomainSocketAddress(path.toString());
        }

        @Override
        public String toString() {
            return "unix:" + path;
        }
    }

    /** Parses {@code HOST:PORT}, {@code [V6]:PORT} or {@code unix:PATH}. */
    static ListenAddress parse(String text) {
        if (text.startsWith("unix:")) {
            String path = text.substring(5);
            if (path.isEmpty()) {
                throw new IllegalArgumentException("listen address '" + text + "': the unix socket path is empty");
            }
            return new Unix(Path.of(path));
        }
        int colon = text.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("listen address '" + text + "' (expected: HOST:PORT or unix:PATH)");
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("listen address '" + text + "': port is not a number");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("listen address '" + text + "': port " + port + " (expected: 0-65535)");
        }
        return new Tcp(host, port);
    }
}
