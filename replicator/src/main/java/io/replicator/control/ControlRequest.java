package io.replicator.control;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;

/** One line on the control socket: {@code {"command":"promote","force":true}}. */
public record ControlRequest(ControlCommand command, boolean force) {

    public String toJson() {
        ObjectNode node = ControlJson.STRICT.createObjectNode();
        node.put("command", command.name());
        node.put("force", force);
        return node.toString();
    }

    /**
     * Parses one request line; anything but an object with a known {@code command} and an optional
     * boolean {@code force} is an IllegalArgumentException whose message goes back to the client.
     */
    public static ControlRequest parse(String line) {
        JsonNode root;
        try {
            root = ControlJson.STRICT.readTree(line);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not JSON: " + ControlJson.oneLine(e));
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("expected a JSON object such as {\"command\":\"status\"}");
        }
        for (Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!name.equals("command") && !name.equals("force")) {
                throw new IllegalArgumentException("unknown field '" + ControlJson.printable(name) + "' (expected: command, force)");
            }
        }
        JsonNode command = root.get("command");
        if (command == null || !command.isTextual()) {
            throw new IllegalArgumentException("\"command\" must be a string (expected: " + ControlCommand.NAMES + ")");
        }
        JsonNode force = root.get("force");
        if (force != null && !force.isBoolean()) {
            throw new IllegalArgumentException("\"force\" must be true or false");
        }
        return new ControlRequest(ControlCommand.parse(command.asText()), force != null && force.asBoolean());
    }
}
