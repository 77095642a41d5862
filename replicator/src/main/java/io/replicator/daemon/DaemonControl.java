package io.replicator.daemon;

import io.replicator.control.ControlResult;
import io.replicator.control.NodeStatus;
import io.replicator.control.ReplicaControl;
import io.replicator.core.PromoteWait;
import io.replicator.core.ReplicaCore;
import io.replicator.core.Role;
import io.replicator.core.Ticket;
import io.replicator.link.PeerLink;
import io.replicator.nbd.server.Log;
import io.replicator.nbd.server.NbdServer;
import java.io.IOException;
import java.time.Duration;

/** The daemon's answers to replctl and HTTP: the core's rules plus what only the daemon knows (NBD clients). */
final class DaemonControl implements ReplicaControl {
    private static final long PROMOTE_TIMEOUT_MILLIS = 10_000;

    private final ReplicaCore core;
    private final NbdServer nbd;
    private final PeerLink link;
    private final Log log;

    DaemonControl(ReplicaCore core, NbdServer nbd, PeerLink link, Log log) {
        this.core = core;
        this.nbd = nbd;
        this.link = link;
        this.log = log;
    }

    @Override
    public NodeStatus status() {
        return core.status(nbd.connectionCount(), core.role() == Role.Primary && core.admitting());
    }

    @Override
    public ControlResult promote(boolean force) {
        PromoteWait wait = core.beginPromote(force);
        if (wait.result() != null) {
            return wait.result();
        }
        try {
            wait.await(PROMOTE_TIMEOUT_MILLIS);
            return core.finishPromote(wait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return ControlResult.refused("interrupted");
        } catch (IOException e) {
            return ControlResult.refused("promotion failed: " + e.getMessage());
        }
    }

    @Override
    public ControlResult demote(boolean force) {
        if (core.role() != Role.Primary) {
            return core.demote();
        }
        core.admit(false); // no new client may attach while we decide
        int clients = nbd.connectionCount();
        if (clients > 0 && !force) {
            core.admit(true);
            return ControlResult.refused(clients + " NBD client" + (clients == 1 ? " is" : "s are")
                    + " connected: detach " + (clients == 1 ? "it" : "them") + " first, or demote --force to disconnect them");
        }
        if (clients > 0) {
            log.warn("demote --force: disconnecting " + clients + " NBD clients");
            nbd.closeConnections(Duration.ofSeconds(30));
        }
        try {
            Ticket flush = core.flush();
            core.syncLocal(flush.seq());
            flush.await();
        } catch (IOException e) {
            log.warn("flush before demotion failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        ControlResult result = core.demote();
        core.admit(true);
        return result;
    }

    @Override
    public ControlResult connect(boolean discardMyData) {
        ControlResult result = core.connect(discardMyData);
        link.wake();
        return result;
    }

    @Override
    public ControlResult disconnect() {
        return core.disconnect();
    }

    @Override
    public ControlResult verify(boolean repair) {
        return core.beginVerify(repair);
    }

    @Override
    public ControlResult invalidate() {
        ControlResult result = core.invalidate();
        link.wake();
        return result;
    }

    @Override
    public ControlResult outdate() {
        return core.outdate();
    }
}
