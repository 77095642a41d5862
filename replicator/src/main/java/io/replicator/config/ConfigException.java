package io.replicator.config;

import java.nio.file.Path;

/** A resource configuration that cannot be used. The message already names the file, the key and the reason. */
public final class ConfigException extends Exception {

    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }

    /** The one shape of a config error: {@code FILE: KEY.PATH: REASON}. */
    static ConfigException at(Path file, String key, String reason) {
        return new ConfigException(file + ": " + key + ": " + reason);
    }
}
