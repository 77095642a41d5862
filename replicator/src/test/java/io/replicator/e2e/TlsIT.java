package io.replicator.e2e;

import static io.replicator.e2e.Volumes.MIB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** TLS with certificates made at test time: required (TLS only) and optional (both). */
@ExtendWith(ServerLogOnFailure.class)
class TlsIT {

    private static final long SIZE_BYTES = 64 * MIB;

    @TempDir
    static Path pki;
    static TlsCertificates certs;
    @TempDir
    Path dir;
    NbdServerProcess server;

    @BeforeAll
    static void makeCertificates() {
        ExternalTool.require("openssl");
        certs = TlsCertificates.generate(pki);
    }

    @AfterEach
    void closeServer() {
        if (server != null) {
            server.close();
        }
    }

    private NbdServerProcess start(String mode) {
        return NbdServerProcess.start(dir, "--volume", dir.resolve("vol.img").toString(), "--size", "64M",
                "--tls", mode, "--tls-cert", certs.serverCert().toString(), "--tls-key", certs.serverKey().toString());
    }

    private String tlsUri() {
        return "nbds://127.0.0.1:" + server.port() + "/volume?tls-certificates=" + certs.clientDir();
    }

    /** Runs nbdinfo --json; returns whether the connection used TLS, failing unless the size is right. */
    private boolean nbdinfoUsesTls(String uri) {
        ExternalTool.Result result = ExternalTool.runOk(ExternalTool.SHORT, "nbdinfo", "--json", uri);
        Object json = Json.parse(result.stdout());
        assertEquals(SIZE_BYTES, Json.longAt(json, "exports", 0, "export-size"), result.describe());
        return (Boolean) Json.at(json, "TLS");
    }

    /** {@code tool subcommand} (qemu-img) or {@code tool} (qemu-io) plus a TLS object with our CA, then {@code args}. */
    private String[] qemuTls(String tool, String... args) {
        List<String> all = new ArrayList<>(List.of(tool));
        List<String> rest = new ArrayList<>(List.of(args));
        if (tool.equals("qemu-img")) {
            all.add(rest.remove(0)); // qemu-img takes options after its subcommand
        }
        all.addAll(List.of("--object", "tls-creds-x509,id=tls0,dir=" + certs.clientDir() + ",endpoint=client"));
        all.addAll(rest);
        return all.toArray(String[]::new);
    }

    private String imageOpts() {
        return "driver=nbd,host=127.0.0.1,port=" + server.port() + ",export=volume,tls-creds=tls0";
    }

    @Test
    void requiredServesTlsAndRefusesPlainConnections() {
        server = start("required");
        assertEquals(true, nbdinfoUsesTls(tlsUri()));

        ExternalTool.Result plain = ExternalTool.run(ExternalTool.SHORT, "nbdinfo", server.uri());
        assertNotEquals(0, plain.exitCode(), "a plain connection must be refused: " + plain.describe());
        try (RawNbdClient client = RawNbdClient.connect(server.port())) {
            assertEquals(RawNbdClient.REP_ERR_TLS_REQD, client.go("volume").type(), "OPT_GO without STARTTLS");
        }
    }

    @Test
    void qemuImgInfoAndConvertOverTls() {
        server = start("required");
        ExternalTool.Result info = ExternalTool.runOk(ExternalTool.SHORT,
                qemuTls("qemu-img", "info", "--output=json", "--image-opts", imageOpts()));
        assertEquals(SIZE_BYTES, Json.longAt(Json.parse(info.stdout()), "virtual-size"), info.describe());

        Path source = Volumes.createSparse(dir.resolve("source.img"), SIZE_BYTES);
        Volumes.writeRandom(source, MIB + 5, 4 * MIB, 21);
        ExternalTool.runOk(ExternalTool.LONG, qemuTls("qemu-img", "convert", "-n", "-f", "raw",
                source.toString(), "--target-image-opts", imageOpts()));
        Path copy = dir.resolve("copy.img");
        ExternalTool.runOk(ExternalTool.LONG, qemuTls("qemu-img", "convert", "-O", "raw",
                "--image-opts", imageOpts(), copy.toString()));
        Volumes.assertSameContent(source, copy);
    }

    @Test
    void optionalAcceptsBothAndTheySeeTheSameData() {
        server = start("optional");
        assertEquals(true, nbdinfoUsesTls(tlsUri()));
        assertEquals(false, nbdinfoUsesTls(server.uri()));

        ExternalTool.runOk(ExternalTool.SHORT, "qemu-io", "-f", "raw", "-c", "write -P 0x3c 4096 8192", server.uri());
        ExternalTool.runOk(ExternalTool.SHORT, qemuTls("qemu-io", "-c", "read -P 0x3c 4096 8192", "--image-opts", imageOpts()));
    }
}
