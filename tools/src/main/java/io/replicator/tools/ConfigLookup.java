package io.replicator.tools;

import io.replicator.config.ResourceConfig;
import java.nio.file.Path;

/** replctl's only contact with the configuration: where a node's control socket is. */
final class ConfigLookup {
    private ConfigLookup() {}

    static Path controlSocket(Path config, String node) throws Exception {
        return ResourceConfig.load(config).node(node).control();
    }

    static String defaultNodeName() {
        return ResourceConfig.defaultNodeName();
    }
}
