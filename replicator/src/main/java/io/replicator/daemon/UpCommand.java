package io.replicator.daemon;

import io.replicator.config.ConfigException;
import io.replicator.config.ResourceConfig;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import sun.misc.Signal;

/** {@code replicator up}: one node of a replicated volume, in the foreground, until SIGTERM or Ctrl-C. */
@Command(name = "up", mixinStandardHelpOptions = true,
        description = "Run this node of a replicated volume: starts Secondary, connects to the peer, serves NBD when Primary.")
final class UpCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--config", required = true, paramLabel = "FILE", description = "The resource's YAML file (the same on both nodes).")
    java.nio.file.Path config;

    @Option(names = "--node", paramLabel = "NAME", description = "This node's name in the file (default: the host name).")
    String node;

    @Override
    public Integer call() throws Exception {
        ResourceConfig resource;
        String name = node != null ? node : ResourceConfig.defaultNodeName();
        try {
            resource = ResourceConfig.load(config);
            resource.node(name);
        } catch (ConfigException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        Daemon daemon = Daemon.start(resource, name);
        CountDownLatch stop = new CountDownLatch(1);
        Signal.handle(new Signal("TERM"), s -> stop.countDown());
        Signal.handle(new Signal("INT"), s -> stop.countDown());
        stop.await();
        daemon.stop();
        System.exit(0);
        return 0;
    }
}
