package io.replicator.daemon;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.replicator.config.Sizes;
import io.replicator.nbd.device.FileBlockDevice;
import io.replicator.nbd.server.Export;
import io.replicator.nbd.server.ListenAddress;
import io.replicator.nbd.server.Log;
import io.replicator.nbd.server.NbdServer;
import io.replicator.nbd.server.ServerConfig;
import io.replicator.nbd.server.TlsMode;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import sun.misc.Signal;

/** {@code replicator serve}: a single-node volume (or several) over NBD, until SIGTERM or Ctrl-C. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Serve local volumes over NBD (single node, no peer).")
final class ServeCommand implements Callable<Integer> {
    private static final Log LOG = new Log("serve");
    private static volatile boolean serving;

    @Spec
    CommandSpec spec;

    static final class VolumeOptions {
        @Option(names = "--volume", required = true, paramLabel = "PATH", description = "Backing file or block device.")
        Path path;

        @Option(names = "--size", paramLabel = "SIZE", description = "Create the file with this size if it is missing (e.g. 1G, 512M).")
        String size;

        @Option(names = "--export", paramLabel = "NAME", description = "Export name (default: volume).")
        String name = "volume";

        @Option(names = "--read-only", description = "Refuse writes (EPERM).")
        boolean readOnly;

        @Option(names = "--description", paramLabel = "TEXT", description = "Shown by nbdinfo --list.")
        String description = "";
    }

    @ArgGroup(exclusive = false, multiplicity = "1..*", heading = "Volumes (repeat the group for several exports):%n")
    List<VolumeOptions> volumes = new ArrayList<>();

    @Option(names = "--listen", paramLabel = "ADDR", description = "HOST:PORT or unix:PATH; repeatable (default: 127.0.0.1:10809).")
    List<String> listen = new ArrayList<>();

    @Option(names = "--min-block-size", paramLabel = "BYTES", defaultValue = "1",
            description = "Advertised minimum block size; misaligned requests get EINVAL (default: ${DEFAULT-VALUE}).")
    int minBlockBytes;

    @Option(names = "--tls", paramLabel = "MODE", defaultValue = "off", description = "off, optional or required (default: ${DEFAULT-VALUE}).")
    String tls;

    @Option(names = "--tls-cert", paramLabel = "FILE", description = "Server certificate chain (PEM).")
    Path tlsCert;

    @Option(names = "--tls-key", paramLabel = "FILE", description = "Server private key (PKCS#8 PEM).")
    Path tlsKey;

    @Option(names = "--io-threads", paramLabel = "N", defaultValue = "" + ServerConfig.DEFAULT_IO_THREADS,
            description = "Threads doing disk I/O (default: ${DEFAULT-VALUE}).")
    int ioThreads;

    @Option(names = "--max-inflight", paramLabel = "N", defaultValue = "" + ServerConfig.DEFAULT_MAX_INFLIGHT,
            description = "Requests one connection may have running (default: ${DEFAULT-VALUE}).")
    int maxInflight;

    static boolean isServing() {
        return serving;
    }

    @Override
    public Integer call() throws Exception {
        TlsMode tlsMode = parseTlsMode();
        SslContext ssl = tlsMode == TlsMode.OFF ? null : sslContext();
        List<ListenAddress> addresses = new ArrayList<>();
        for (String text : listen.isEmpty() ? List.of("127.0.0.1:10809") : listen) {
            addresses.add(parse(text));
        }
        if (ioThreads < 1 || maxInflight < 1) {
            throw new ParameterException(spec.commandLine(), "--io-threads and --max-inflight must be at least 1");
        }
        List<Export> exports = openExports();
        ServerConfig config = new ServerConfig(exports, addresses, tlsMode, ssl, 0, ioThreads, maxInflight,
                ServerConfig.DEFAULT_MAX_CONNECTIONS);
        NbdServer server = new NbdServer(config);
        List<ListenAddress> bound;
        try {
            bound = server.start();
        } catch (IOException e) {
            server.stop(Duration.ZERO);
            throw e;
        }
        for (ListenAddress address : bound) {
            String export = exports.get(0).name();
            LOG.info("serving " + (address instanceof ListenAddress.Tcp tcp
                    ? (ssl == null ? "nbd://" : "nbds://") + tcp + "/" + export
                    : "nbd+unix:///" + export + "?socket=" + ((ListenAddress.Unix) address).path()));
        }
        serving = true;
        awaitSignal();
        LOG.info("stopping: finishing in-flight requests and flushing");
        server.stop(Duration.ofSeconds(30));
        LOG.info("stopped");
        System.exit(0);
        return 0;
    }

    private List<Export> openExports() throws IOException {
        List<Export> exports = new ArrayList<>();
        try {
            for (VolumeOptions v : volumes) {
                FileBlockDevice device = v.size != null
                        ? FileBlockDevice.create(v.path, Sizes.parse(v.size))
                        : FileBlockDevice.open(v.path, v.readOnly);
                exports.add(new Export(v.name, v.description, device, v.readOnly, minBlockBytes));
            }
            return exports;
        } catch (IOException | RuntimeException e) {
            for (Export export : exports) {
                export.device().close();
            }
            if (e instanceof IllegalArgumentException) {
                throw new ParameterException(spec.commandLine(), e.getMessage());
            }
            throw e;
        }
    }

    private ListenAddress parse(String text) {
        try {
            return ListenAddress.parse(text);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--listen: " + e.getMessage());
        }
    }

    private TlsMode parseTlsMode() {
        TlsMode mode;
        try {
            mode = TlsMode.valueOf(tls.toUpperCase());
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--tls " + tls + " (expected: off, optional or required)");
        }
        if (mode != TlsMode.OFF && (tlsCert == null || tlsKey == null)) {
            throw new ParameterException(spec.commandLine(), "--tls " + tls + " needs --tls-cert and --tls-key");
        }
        return mode;
    }

    private SslContext sslContext() throws IOException {
        try {
            return SslContextBuilder.forServer(tlsCert.toFile(), tlsKey.toFile()).sslProvider(SslProvider.JDK).build();
        } catch (Exception e) {
            throw new IOException("cannot load TLS certificate " + tlsCert + " and key " + tlsKey
                    + " (the key must be unencrypted PKCS#8 PEM, e.g. from openssl genpkey): " + e.getMessage(), e);
        }
    }

    /** Blocks until SIGTERM or SIGINT: both mean a clean stop with exit code 0. */
    private static void awaitSignal() throws InterruptedException {
        CountDownLatch stop = new CountDownLatch(1);
        Signal.handle(new Signal("TERM"), s -> stop.countDown());
        Signal.handle(new Signal("INT"), s -> stop.countDown());
        stop.await();
    }
}
