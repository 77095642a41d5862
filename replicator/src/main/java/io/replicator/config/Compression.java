package io.replicator.config;

/** How the replication link compresses data blocks. Lower case: these are the words written in the file. */
public enum Compression {
    none,
    lz4
}
