package io.replicator.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.replicator.control.NodeStatus;
import io.replicator.core.DiskState;
import io.replicator.core.Role;

/**
 * What {@code /health} answers: healthy (200) only on the node a load balancer should send
 * clients to: Primary, UpToDate and serving NBD. Otherwise 503 with the reason.
 */
record Health(boolean healthy, String json) {
    private static final ObjectMapper JSON = new ObjectMapper();

    static Health of(NodeStatus status) {
        String reason = null;
        if (status.role() != Role.Primary) {
            reason = "role is " + status.role() + " (expected: Primary)";
        } else if (status.disk() != DiskState.UpToDate) {
            reason = "disk is " + status.disk() + " (expected: UpToDate)";
        } else if (!status.serving()) {
            reason = "not serving NBD";
        }
        ObjectNode body = JSON.createObjectNode();
        body.put("resource", status.resource());
        body.put("node", status.node());
        body.put("role", String.valueOf(status.role()));
        body.put("disk", String.valueOf(status.disk()));
        body.put("serving", status.serving());
        if (reason != null) {
            body.put("reason", reason);
        }
        return new Health(reason == null, body.toString());
    }

    static Health unknown(String reason) {
        ObjectNode body = JSON.createObjectNode();
        body.put("serving", false);
        body.put("reason", reason);
        return new Health(false, body.toString());
    }
}
