package io.virtwire.forwarder.config;

/**
 * A config value that breaks a rule. {@code pointer} (a JSON Pointer such as {@code /ports/0/queues}, relative to
 * the object that was checked) says which value, so a config file can report it as {@code file:line:column}.
 */
public final class ConfigException extends IllegalArgumentException {

    private final String pointer;

    public ConfigException(String pointer, String message) {
        super(message);
        this.pointer = pointer;
    }

    public ConfigException(String pointer, String message, Throwable cause) {
        super(message, cause);
        this.pointer = pointer;
    }

    /** Where the value is, e.g. {@code /ports/0/queues}; empty for the whole document. */
    public String pointer() {
        return pointer;
    }

    /** The same problem, seen from a parent object: {@code prefix} (e.g. {@code /ports/0}) is put in front. */
    public ConfigException under(String prefix) {
        return new ConfigException(prefix + pointer, getMessage(), this);
    }
}
