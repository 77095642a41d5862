package io.replicator.control;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The answer line: whether the command was done, what happened or why not, and the node's status
 * after the command. {@code status} is null only when the request never reached the node (a bad
 * request, a refused peer, a busy server).
 */
public record ControlResponse(
        boolean done,
        String message,
        @JsonInclude(JsonInclude.Include.NON_NULL) NodeStatus status) {

    public static ControlResponse refusedWithoutStatus(String message) {
        return new ControlResponse(false, message, null);
    }
}
