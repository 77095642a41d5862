package io.replicator.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.CharConversionException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * Reads one YAML document into a Jackson tree of mappings, lists and scalars. Every scalar is kept as the text
 * written ({@code 007} stays {@code 007}, {@code on} stays {@code on}): YAML's own typing of numbers and booleans
 * is not ours, each key parses its own value. Duplicate keys and aliases are refused rather than silently resolved.
 */
final class YamlTree {
    static final int MAX_FILE_BYTES = 1 << 20;
    static final int MAX_DEPTH = 16;
    private static final YAMLFactory FACTORY = new YAMLFactory();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private YamlTree() {}

    /** The top-level mapping of {@code file}. */
    static ObjectNode read(Path file) throws ConfigException {
        byte[] bytes = readBounded(file);
        try (JsonParser parser = FACTORY.createParser(bytes)) {
            JsonToken first = parser.nextToken();
            if (first == null) {
                throw new ConfigException(file + ": the file is empty (expected: a YAML mapping with at least "
                        + "resource, secret-file, size and nodes)");
            }
            if (first != JsonToken.START_OBJECT) {
                throw located(file, parser, "the top level is not a mapping (expected: keys such as resource: r0)");
            }
            ObjectNode root = (ObjectNode) value(file, parser, 1, "");
            if (parser.nextToken() != null) {
                throw located(file, parser, "a second YAML document (expected: one document per file)");
            }
            return root;
        } catch (JsonProcessingException e) {
            throw syntaxError(file, e);
        } catch (YAMLException e) {
            throw new ConfigException(file + ": YAML syntax error: " + firstLine(e.getMessage()), e);
        } catch (CharConversionException e) {
            throw new ConfigException(file + ": not UTF-8 text (" + firstLine(e.getMessage()) + ")", e);
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot parse: " + e, e);
        }
    }

    private static byte[] readBounded(Path file) throws ConfigException {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] bytes = in.readNBytes(MAX_FILE_BYTES + 1);
            if (bytes.length > MAX_FILE_BYTES) {
                throw new ConfigException(file + ": the file is larger than " + Sizes.format(MAX_FILE_BYTES)
                        + " (expected: a resource configuration of a few KiB; is this the right file?)");
            }
            return bytes;
        } catch (NoSuchFileException e) {
            throw new ConfigException(file + ": cannot read the configuration: no such file (check the path)", e);
        } catch (AccessDeniedException e) {
            throw new ConfigException(file + ": cannot read the configuration: permission denied", e);
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read the configuration: " + e.getMessage(), e);
        }
    }

    /** The value at the parser's current token, consuming it whole; {@code key} is its path for messages. */
    private static JsonNode value(Path file, JsonParser p, int depth, String key) throws IOException, ConfigException {
        if (depth > MAX_DEPTH) {
            throw located(file, p, key + ": nested deeper than " + MAX_DEPTH + " levels (expected: at most 3)");
        }
        if (p instanceof YAMLParser yaml && yaml.isCurrentAlias()) {
            throw located(file, p, key + ": YAML aliases (*" + p.getText() + ") are not supported (expected: the value written out)");
        }
        JsonToken token = p.currentToken();
        if (token == JsonToken.START_OBJECT) {
            ObjectNode mapping = NODES.objectNode();
            for (JsonToken t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
                String name = p.currentName();
                String child = key.isEmpty() ? name : key + "." + name;
                if (mapping.has(name)) {
                    throw located(file, p, child + ": duplicate key (expected: each key once)");
                }
                p.nextToken();
                mapping.set(name, value(file, p, depth + 1, child));
            }
            return mapping;
        }
        if (token == JsonToken.START_ARRAY) {
            ArrayNode list = NODES.arrayNode();
            for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
                list.add(value(file, p, depth + 1, key + "[" + list.size() + "]"));
            }
            return list;
        }
        if (token == null) {
            throw located(file, p, "unexpected end of the document");
        }
        return token == JsonToken.VALUE_NULL ? NullNode.getInstance() : TextNode.valueOf(p.getText());
    }

    private static ConfigException located(Path file, JsonParser p, String reason) {
        return new ConfigException(file + ": " + where(p.currentTokenLocation()) + ": " + reason);
    }

    private static ConfigException syntaxError(Path file, JsonProcessingException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof CharConversionException) {
                return new ConfigException(file + ": not UTF-8 text (" + firstLine(t.getMessage()) + ")", e);
            }
            if (t instanceof MarkedYAMLException marked && marked.getProblemMark() != null) {
                String context = marked.getContext() == null || marked.getContextMark() == null ? ""
                        : " (" + marked.getContext() + " at line " + (marked.getContextMark().getLine() + 1)
                                + ", column " + (marked.getContextMark().getColumn() + 1) + ")";
                return new ConfigException(file + ": line " + (marked.getProblemMark().getLine() + 1) + ", column "
                        + (marked.getProblemMark().getColumn() + 1) + ": YAML syntax error: " + marked.getProblem()
                        + context, e);
            }
        }
        return new ConfigException(file + ": " + where(e.getLocation()) + ": YAML syntax error: "
                + firstLine(e.getOriginalMessage()), e);
    }

    private static String where(JsonLocation location) {
        return location == null ? "unknown position"
                : "line " + location.getLineNr() + ", column " + location.getColumnNr();
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "(no detail)";
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
