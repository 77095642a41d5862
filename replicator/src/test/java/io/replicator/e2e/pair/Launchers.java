package io.replicator.e2e.pair;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Where the launchers are ({@code tools/bin/replicator}, {@code tools/bin/replctl}) and how replctl is run. */
final class Launchers {

    /**
     * replctl is a short-lived JVM started once per verb: the client compiler and the serial collector
     * halve its start-up on this small machine. The daemons run with the project's flags unchanged.
     */
    static final Map<String, String> REPLCTL_ENV =
            Map.of("REPLICATOR_JAVA_OPTS", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC");

    private Launchers() {}

    /** {@code -De2e.launcher=PATH}, else {@code tools/bin/replicator} in the nearest enclosing directory. */
    static Path replicator() {
        String configured = System.getProperty("e2e.launcher");
        return configured != null ? Path.of(configured) : find("replicator");
    }

    /**
     * {@code replctl} next to the daemon's launcher. Its jar belongs to the tools module, which Maven
     * packages after this module's end-to-end tests have run: it must have been built before.
     */
    static Path replctl() {
        Path path = replicator().resolveSibling("replctl");
        if (!Files.isExecutable(path)) {
            fail("replctl launcher " + path + " is missing or not executable");
        }
        Path jar = path.getParent().resolve("../../tools/target/replctl.jar").normalize();
        if (!Files.isRegularFile(jar)) {
            fail(jar + " is missing: these tests run replctl itself; build the jars first with"
                    + " 'mvn -o -B package -Dmaven.test.skip=true' from the repository root");
        }
        return path;
    }

    private static Path find(String name) {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("tools/bin").resolve(name);
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return fail("launcher tools/bin/" + name + " not found above " + Path.of("").toAbsolutePath()
                + ": build with 'mvn package' from the repository root or set -De2e.launcher=PATH");
    }
}
