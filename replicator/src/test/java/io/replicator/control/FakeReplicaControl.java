package io.replicator.control;

import io.replicator.core.ConnectionState;
import io.replicator.core.DiskState;
import io.replicator.core.Protocol;
import io.replicator.core.ReplicationState;
import io.replicator.core.Role;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** Records every call; answers with {@link #result}; promote can be held on a latch. */
final class FakeReplicaControl implements ReplicaControl {
    static final NodeStatus.GenerationIds GENERATIONS = new NodeStatus.GenerationIds("5E1F3A2B4C6D7E8F", "0000000000000000",
            false, java.util.List.of("0123456789ABCDEF"));

    final List<String> calls = new CopyOnWriteArrayList<>();
    volatile ControlResult result = ControlResult.done("ok");
    volatile RuntimeException failure;
    volatile CountDownLatch holdPromote;
    final CountDownLatch promoteStarted = new CountDownLatch(1);

    static NodeStatus primary() {
        return new NodeStatus("r0", "alpha", Role.Primary, DiskState.UpToDate, ConnectionState.Connected,
                ReplicationState.Established, Protocol.C, 0, null, null, null,
                new NodeStatus.Peer("beta", Role.Secondary, DiskState.UpToDate), false, 42, 4096, 1, 1, true, null, false, GENERATIONS, null, null, false, null);
    }

    @Override
    public NodeStatus status() {
        return primary();
    }

    @Override
    public ControlResult promote(boolean force) {
        calls.add("promote force=" + force);
        promoteStarted.countDown();
        CountDownLatch hold = holdPromote;
        if (hold != null) {
            try {
                hold.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return answer();
    }

    @Override
    public ControlResult demote(boolean force) {
        calls.add("demote force=" + force);
        return answer();
    }

    @Override
    public ControlResult connect(boolean discardMyData) {
        calls.add(discardMyData ? "connect --discard-my-data" : "connect");
        return answer();
    }

    @Override
    public ControlResult disconnect() {
        calls.add("disconnect");
        return answer();
    }

    private ControlResult answer() {
        if (failure != null) {
            throw failure;
        }
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
