package io.replicator.nbd.server;

/** The NBD spec's TLS modes: NOTLS, SELECTIVETLS (both allowed) and FORCEDTLS. */
public enum TlsMode {
    OFF, OPTIONAL, REQUIRED
}
