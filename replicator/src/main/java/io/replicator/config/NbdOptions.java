package io.replicator.config;

/** How the Primary serves the volume over NBD. */
public record NbdOptions(String export, int ioThreads, int maxInflight, int minBlockSize) {
}
