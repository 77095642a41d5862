package io.replicator.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A throw-away CA and a server certificate for 127.0.0.1, made with openssl at test time.
 *
 * <p>{@code serverDir} holds {@code ca-cert.pem}, {@code server-cert.pem} and {@code server-key.pem}
 * (PKCS#8 PEM), the names nbdkit and GnuTLS expect; {@code clientDir} holds only {@code ca-cert.pem},
 * for libnbd's {@code tls-certificates=DIR} and qemu's {@code tls-creds-x509,dir=DIR,endpoint=client}.
 */
public record TlsCertificates(Path serverDir, Path clientDir) {

    public Path serverCert() {
        return serverDir.resolve("server-cert.pem");
    }

    public Path serverKey() {
        return serverDir.resolve("server-key.pem");
    }

    public static TlsCertificates generate(Path dir) {
        Path server = dir.resolve("server");
        Path client = dir.resolve("client");
        try {
            Files.createDirectories(server);
            Files.createDirectories(client);
            Path ext = dir.resolve("server.ext");
            Files.writeString(ext, String.join("\n",
                    "subjectAltName=IP:127.0.0.1",
                    "basicConstraints=CA:FALSE",
                    "keyUsage=critical,digitalSignature,keyEncipherment",
                    "extendedKeyUsage=serverAuth", ""));
            String caKey = dir.resolve("ca-key.pem").toString();
            String caCert = server.resolve("ca-cert.pem").toString();
            String csr = dir.resolve("server.csr").toString();
            openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", caKey, "-out", caCert,
                    "-days", "2", "-subj", "/CN=replicator-e2e-ca",
                    "-addext", "basicConstraints=critical,CA:TRUE",
                    "-addext", "keyUsage=critical,keyCertSign,cRLSign");
            String rawKey = dir.resolve("server-key.raw.pem").toString();
            openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", rawKey, "-out", csr, "-subj", "/CN=127.0.0.1");
            openssl("pkcs8", "-topk8", "-nocrypt", "-in", rawKey, "-out", server.resolve("server-key.pem").toString());
            openssl("x509", "-req", "-in", csr, "-CA", caCert, "-CAkey", caKey, "-CAcreateserial",
                    "-days", "2", "-extfile", ext.toString(), "-out", server.resolve("server-cert.pem").toString());
            Files.copy(Path.of(caCert), client.resolve("ca-cert.pem"));
            return new TlsCertificates(server, client);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * For the replication link: a CA ({@code ca-cert.pem}) and one node certificate ({@code node-cert.pem},
     * {@code node-key.pem}; server and client use, IP 127.0.0.1) that both nodes present.
     */
    public static Path forNodes(Path dir, String caName) {
        try {
            Files.createDirectories(dir);
            Path ext = Files.writeString(dir.resolve("node.ext"), String.join("\n", "subjectAltName=IP:127.0.0.1",
                    "basicConstraints=CA:FALSE", "keyUsage=critical,digitalSignature,keyEncipherment",
                    "extendedKeyUsage=serverAuth,clientAuth", ""));
            String d = dir.toString() + "/";
            openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", d + "ca-key.pem", "-out", d + "ca-cert.pem",
                    "-days", "2", "-subj", "/CN=" + caName, "-addext", "basicConstraints=critical,CA:TRUE",
                    "-addext", "keyUsage=critical,keyCertSign,cRLSign");
            openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", d + "node-key.raw.pem", "-out", d + "node.csr",
                    "-subj", "/CN=replicator-node");
            openssl("pkcs8", "-topk8", "-nocrypt", "-in", d + "node-key.raw.pem", "-out", d + "node-key.pem");
            openssl("x509", "-req", "-in", d + "node.csr", "-CA", d + "ca-cert.pem", "-CAkey", d + "ca-key.pem",
                    "-CAcreateserial", "-days", "2", "-extfile", ext.toString(), "-out", d + "node-cert.pem");
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void openssl(String... args) {
        String[] command = new String[args.length + 1];
        command[0] = "openssl";
        System.arraycopy(args, 0, command, 1, args.length);
        ExternalTool.runOk(ExternalTool.SHORT, command);
    }
}
