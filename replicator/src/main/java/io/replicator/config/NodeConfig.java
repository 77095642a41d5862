package io.replicator.config;

import io.replicator.nbd.server.ListenAddress;
import java.nio.file.Path;

/**
 * One node of the pair as the file describes it. Paths are absolute (relative ones were resolved against the
 * config file's directory). {@code http} is null when the node serves no health/metrics endpoint.
 */
public record NodeConfig(String name, ListenAddress.Tcp replication, ListenAddress nbd, Path disk, Path stateDir,
        Path control, ListenAddress.Tcp http) {
}
