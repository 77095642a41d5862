package io.replicator.tools;

import io.replicator.config.ResourceConfig;
import java.nio.file.Path;

/** replctl's only contact with the configuration: the resource's name and where a node's control socket is. */
final class ConfigLookup {
    private ConfigLookup() {}

    record Target(String resource, Path socket) {
    }

    static Target target(Path config, String node) throws Exception {
        ResourceConfig rc = ResourceConfig.load(config);
        return new Target(rc.resource(), rc.node(node).control());
    }

    static String defaultNodeName() {
        return ResourceConfig.defaultNodeName();
    }
}
