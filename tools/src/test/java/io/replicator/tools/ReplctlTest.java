package io.replicator.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.replicator.control.ControlJson;
import io.replicator.control.ControlResult;
import io.replicator.control.ControlServer;
import io.replicator.control.NodeStatus;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** replctl run in-process against a real control socket served for a fake daemon. */
@Timeout(60)
class ReplctlTest {
    @TempDir
    Path dir;

    private final FakeDaemon daemon = new FakeDaemon();
    private ControlServer server;
    private Path config;
    private Path alphaSocket;
    private Path betaSocket;

    private record Run(int exit, String out, String err) {}

    @BeforeEach
    void start() throws IOException {
        alphaSocket = dir.resolve("r0-alpha.sock");
        betaSocket = dir.resolve("r0-beta.sock"); // nothing listens there
        config = writeConfig("r0.yaml", "alpha", alphaSocket, "beta", betaSocket);
        server = ControlServer.start(alphaSocket, daemon);
    }

    /** A complete pair configuration (replctl reads only the control socket, but the file must be valid). */
    private Path writeConfig(String file, String first, Path firstSocket, String second, Path secondSocket) throws IOException {
        Path secret = dir.resolve("r0.secret");
        Files.writeString(secret, "0123456789abcdef0123456789abcdef\n");
        Files.setPosixFilePermissions(secret, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        return Files.writeString(dir.resolve(file), "resource: r0\nsecret-file: r0.secret\nsize: 1GiB\nnodes:\n"
                + node(first, 1, firstSocket) + node(second, 2, secondSocket));
    }

    private static String node(String name, int n, Path socket) {
        return "  " + name + ":\n    replication: 127.0.0.1:778" + n + "\n    nbd: 127.0.0.1:1080" + n + "\n"
                + "    disk: " + name + ".img\n    state-dir: " + name + "\n    control: " + socket + "\n";
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private Run replctl(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = Replctl.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    private Run onAlpha(String... verbAndOptions) {
        List<String> args = new ArrayList<>(List.of(verbAndOptions));
        args.addAll(List.of("--config", config.toString(), "--node", "alpha"));
        return replctl(args.toArray(String[]::new));
    }

    @Test
    void statusPrintsTheGoldenText() throws IOException {
        Run run = onAlpha("status");
        assertEquals(new Run(0, StatusFormatTest.golden("established"), ""), run);
    }

    @Test
    void statusWhileSyncingShowsTheProgressBar() throws IOException {
        daemon.status = Statuses.syncing();
        assertEquals(new Run(0, StatusFormatTest.golden("syncing"), ""), onAlpha("status"));
    }

    @Test
    void statusOfADegradedPrimarySaysSo() throws IOException {
        daemon.status = Statuses.degraded();
        assertEquals(new Run(0, StatusFormatTest.golden("degraded"), ""), onAlpha("status"));
    }

    @Test
    void statusJsonParsesBackToTheSameStatus() throws IOException {
        daemon.status = Statuses.syncing();
        Run run = onAlpha("status", "--json");
        assertEquals(0, run.exit(), run.err());
        assertEquals(Statuses.syncing(), ControlJson.LENIENT.readValue(run.out(), NodeStatus.class));
        JsonNode json = ControlJson.LENIENT.readTree(run.out());
        for (String field : List.of("resource", "node", "role", "disk", "connection", "replication",
                "outOfSyncBytes", "syncProgress", "peer")) {
            assertTrue(json.has(field), field);
        }
        assertEquals("SyncSource", json.get("replication").asText());
        assertEquals("beta", json.at("/peer/node").asText());
        assertEquals("Secondary", json.at("/peer/role").asText());
        assertEquals("Consistent", json.at("/peer/disk").asText());
        assertTrue(onAlphaJsonOfEstablished().get("syncProgress").isNull(), "null while no sync runs");
    }

    private JsonNode onAlphaJsonOfEstablished() throws IOException {
        daemon.status = Statuses.established();
        return ControlJson.LENIENT.readTree(onAlpha("status", "--json").out());
    }

    @Test
    void actionsPrintTheDaemonsMessageAndExit0() {
        daemon.result = ControlResult.done("promoted: r0 is Primary on alpha");
        assertEquals(new Run(0, "promoted: r0 is Primary on alpha\n", ""), onAlpha("promote"));
        daemon.result = ControlResult.done("done");
        assertEquals(0, onAlpha("promote", "--force").exit());
        assertEquals(0, onAlpha("demote").exit());
        assertEquals(0, onAlpha("demote", "--force").exit());
        assertEquals(0, onAlpha("connect").exit());
        assertEquals(0, onAlpha("disconnect").exit());
        assertEquals(0, onAlpha("connect", "--discard-my-data").exit());
        assertEquals(0, onAlpha("verify").exit());
        assertEquals(0, onAlpha("verify", "--repair").exit());
        assertEquals(0, onAlpha("invalidate").exit());
        assertEquals(0, onAlpha("outdate").exit());
        assertEquals(List.of("promote", "promote --force", "demote", "demote --force", "connect", "disconnect",
                "connect --discard-my-data", "verify", "verify --repair", "invalidate", "outdate"), daemon.calls);
    }

    @Test
    void showGiPrintsTheIdentifiersOrTheirJson() throws IOException {
        daemon.status = Statuses.splitBrain();
        assertEquals(new Run(0, StatusFormatTest.golden("show-gi"), ""), onAlpha("show-gi"));
        Run run = onAlpha("show-gi", "--json");
        assertEquals(0, run.exit(), run.err());
        assertEquals(Statuses.splitBrain().generations(), ControlJson.LENIENT.readValue(run.out(), NodeStatus.GenerationIds.class));
    }

    @Test
    void statusJsonShowsTheSplitBrainAndTheSavedFile() throws IOException {
        daemon.status = Statuses.splitBrain();
        JsonNode json = ControlJson.LENIENT.readTree(onAlpha("status", "--json").out());
        assertTrue(json.get("splitBrain").asBoolean(), json.toString());
        assertEquals("/var/lib/replicator/r0/beta/divergence-20261126-013000.img", json.get("savedDivergence").asText());
        assertEquals("7A1C33D0E5B24F96", json.at("/generations/current").asText());
    }

    @Test
    void aRefusalExits1WithTheReasonOnStderr() {
        daemon.result = ControlResult.refused("the peer beta is Primary: demote it first");
        assertEquals(new Run(1, "", "replctl: the peer beta is Primary: demote it first\n"), onAlpha("promote"));
    }

    @Test
    void anAbsentDaemonExits3() {
        Run run = replctl("status", "--config", config.toString(), "--node", "beta");
        assertEquals(3, run.exit());
        assertEquals("", run.out());
        assertTrue(run.err().startsWith("replctl: cannot reach the daemon of r0 on node beta at " + betaSocket + ": no such socket"),
                run.err());
    }

    @Test
    void aStoppedDaemonExits3() {
        server.close();
        Run run = onAlpha("promote");
        assertEquals(3, run.exit());
        assertTrue(run.err().startsWith("replctl: cannot reach the daemon of r0 on node alpha at " + alphaSocket), run.err());
        assertEquals(List.of(), daemon.calls);
    }

    @Test
    void usageErrorsExit2() {
        assertEquals(2, replctl().exit(), "no verb");
        assertEquals(2, replctl("fly", "--config", config.toString()).exit(), "unknown verb");
        assertEquals(2, replctl("status").exit(), "no --config");
        assertEquals(2, onAlpha("connect", "--force").exit(), "connect has no --force");
        assertEquals(2, onAlpha("status", "--bogus").exit());
        assertEquals(List.of(), daemon.calls);
    }

    @Test
    void aBadConfigurationExits2WithItsMessage() throws IOException {
        Run unknownNode = replctl("status", "--config", config.toString(), "--node", "gamma");
        assertEquals(2, unknownNode.exit());
        assertTrue(unknownNode.err().startsWith("replctl: cannot use configuration " + config + " for node gamma: "), unknownNode.err());
        Path broken = dir.resolve("broken.yaml");
        Files.writeString(broken, "nodes: [unclosed\n");
        assertEquals(2, replctl("status", "--config", broken.toString(), "--node", "alpha").exit());
        assertEquals(2, replctl("status", "--config", dir.resolve("missing.yaml").toString(), "--node", "alpha").exit());
    }

    @Test
    void theNodeDefaultsToThisHostsName() throws IOException {
        Path hostConfig = writeConfig("host.yaml", ConfigLookup.defaultNodeName(), alphaSocket, "other", betaSocket);
        Run run = replctl("status", "--config", hostConfig.toString());
        assertEquals(0, run.exit(), run.err());
    }

    @Test
    void helpListsTheVerbs() {
        Run run = replctl("--help");
        assertEquals(0, run.exit());
        for (String verb : List.of("status", "promote", "demote", "connect", "disconnect")) {
            assertTrue(run.out().contains(verb), verb);
        }
    }
}
