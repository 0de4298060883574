package io.virtwire.forwarder.engine;

/**
 * A request the forwarder refused, with a stable code the control API returns ({@code UNKNOWN_PORT},
 * {@code DUPLICATE_NAME}, {@code SOCKET_IN_USE}, {@code NO_SUCH_INTERFACE}, {@code INVALID_ARGUMENT}, ...)
 * and a message naming the value and the rule.
 */
public final class ForwarderException extends Exception {

    private final String code;

    public ForwarderException(String code, String message) {
        super(message);
        this.code = code;
    }

    public ForwarderException(String code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    public String code() {
        return code;
    }
}
