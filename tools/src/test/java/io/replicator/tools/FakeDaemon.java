package io.replicator.tools;

import io.replicator.control.ControlResult;
import io.replicator.control.NodeStatus;
import io.replicator.control.ReplicaControl;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A daemon's control side for replctl tests: a settable status and answer, and a call log. */
final class FakeDaemon implements ReplicaControl {
    final List<String> calls = new CopyOnWriteArrayList<>();
    volatile NodeStatus status = Statuses.established();
    volatile ControlResult result = ControlResult.done("ok");

    @Override
    public NodeStatus status() {
        return status;
    }

    @Override
    public ControlResult promote(boolean force) {
        calls.add("promote" + (force ? " --force" : ""));
        return result;
    }

    @Override
    public ControlResult demote(boolean force) {
        calls.add("demote" + (force ? " --force" : ""));
        return result;
    }

    @Override
    public ControlResult connect(boolean discardMyData) {
        calls.add("connect" + (discardMyData ? " --discard-my-data" : ""));
        return result;
    }

    @Override
    public ControlResult disconnect() {
        calls.add("disconnect");
        return result;
    }

    @Override
    public ControlResult verify(boolean repair) {
        calls.add("verify" + (repair ? " --repair" : ""));
        return result;
    }

    @Override
    public ControlResult invalidate() {
        calls.add("invalidate");
        return result;
    }

    @Override
    public ControlResult outdate() {
        calls.add("outdate");
        return result;
    }
}
