package io.replicator.daemon;

import io.replicator.nbd.server.Log;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the configured {@code split-brain.handler} shell command when a split brain is found, as DRBD runs
 * its {@code split-brain} handler (to page someone, typically). It gets the resource, this node, the peer
 * and the reason in its environment; its output goes to the daemon's. It runs on a thread of its own and
 * is stopped if it takes longer than {@link #TIMEOUT_SECONDS}; its exit code is logged.
 */
final class SplitBrainHandler {
    static final long TIMEOUT_SECONDS = 60;

    private final String command;
    private final String resource;
    private final String node;
    private final String peer;
    private final Log log;

    SplitBrainHandler(String command, String resource, String node, String peer, Log log) {
        this.command = command;
        this.resource = resource;
        this.node = node;
        this.peer = peer;
        this.log = log;
    }

    void run(String reason) {
        if (command == null) {
            return;
        }
        Daemon.daemonThread(() -> runNow(reason), "split-brain-handler").start();
    }

    private void runNow(String reason) {
        ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-c", command).inheritIO();
        Map<String, String> env = pb.environment();
        env.put("REPLICATOR_RESOURCE", resource);
        env.put("REPLICATOR_NODE", node);
        env.put("REPLICATOR_PEER", peer);
        env.put("REPLICATOR_REASON", reason);
        try {
            Process p = pb.start();
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                log.warn("split-brain handler did not finish within " + TIMEOUT_SECONDS + " s: stopped (" + command + ")");
                return;
            }
            String how = p.exitValue() == 0 ? "finished" : "failed with exit code " + p.exitValue();
            log.info("split-brain handler " + how + " (" + command + ")");
        } catch (IOException e) {
            log.warn("split-brain handler could not start (" + command + "): " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
