package io.replicator.e2e.pair;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.replicator.e2e.TlsCertificates;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The replication link with TLS (mutual, certificates from one test CA) and LZ4: a pair connects,
 * mirrors compressible and incompressible writes and ends byte-identical; a node whose certificate
 * the CA did not sign never connects.
 */
class LinkTlsCompressionIT extends PairTestBase {
    @Test
    void aTlsLinkWithLz4MirrorsEveryWrite() {
        Path certs = TlsCertificates.forNodes(dir.resolve("certs"), "ca");
        pair = PairProcesses.start(dir, PairSettings.defaults().netYaml(tls(certs, certs) + "  compression: lz4\n"));
        pair.promote(pair.alpha());
        // text-like (compresses) and random (does not) data, and zeroes
        QemuIo.run(pair.alpha(), "write -P 0x41 0 8M", "write -z 8M 1M");
        Fio.Result random = Fio.run(dir.resolve("fio"), "random", pair.alpha().nbdUri(),
                List.of("--rw=randwrite", "--bs=64k", "--iodepth=8", "--size=16m", "--offset=16m", "--randseed=7"));
        random.assertSuccess();
        pair.await(pair.alpha(), "the peer has synced every write", s -> s.replication() != null
                && PairProcesses.established(s) && s.outOfSyncBytes() == 0);
        QemuIo.run(pair.alpha(), "flush");
        pair.assertDisksIdentical();
        assertTrue(pair.alpha().log().contains("authenticated beta"), pair.alpha().log());
    }

    @Test
    void aPeerWithACertificateFromAnotherCaNeverConnects() throws IOException {
        Path good = TlsCertificates.forNodes(dir.resolve("good"), "good-ca");
        Path other = TlsCertificates.forNodes(dir.resolve("other"), "other-ca");
        // beta gets its own resource file: the same secret, but a certificate (and CA) alpha does not trust
        pair = PairProcesses.create(dir, PairSettings.defaults().netYaml(tls(good, good)).otherSecretOn("beta"));
        Files.copy(dir.resolve("r0.secret"), dir.resolve("other.secret"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Path betaConfig = dir.resolve("r0-beta.yaml");
        Files.writeString(betaConfig, Files.readString(betaConfig).replace(good.toString(), other.toString()));
        pair.startBoth();
        pair.awaitLog(pair.alpha(), "TLS handshake with");
        pair.awaitLog(pair.beta(), "TLS handshake with");
        for (DaemonNode node : List.of(pair.alpha(), pair.beta())) {
            assertTrue(node.statusNow().connection() != io.replicator.core.ConnectionState.Connected, node.statusNow().toString());
            assertTrue(!node.log().contains("authenticated "), node.name() + " authenticated a peer it must not trust:\n" + node.log());
        }
    }

    private static String tls(Path certs, Path ca) {
        return "  tls-cert: " + certs.resolve("node-cert.pem") + "\n  tls-key: " + certs.resolve("node-key.pem")
                + "\n  tls-ca: " + ca.resolve("ca-cert.pem") + "\n";
    }


}
