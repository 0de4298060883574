package io.virtwire.vhostuser.protocol;

import java.util.Optional;

/**
 * A front-end message broke a rule of the vhost-user protocol. The message names the request (by its spec
 * name, or the numeric code when it is unknown) and the rule, e.g.
 * {@code "SET_VRING_ADDR: payload is 24 bytes, expected 40"}.
 *
 * <p>Checked on purpose: every message comes from a peer that may be hostile, so whoever decodes must decide
 * what a bad one does to the session (the spec lets the back-end close the connection).
 */
public final class ProtocolException extends Exception {

    private static final long serialVersionUID = 1L;

    private final long requestCode;
    private final FrontendRequest request;
    private final String rule;

    public ProtocolException(FrontendRequest request, String rule) {
        super(request.name() + ": " + rule);
        this.requestCode = request.code();
        this.request = request;
        this.rule = rule;
    }

    private ProtocolException(long requestCode, String message, String rule) {
        super(message);
        this.requestCode = requestCode;
        this.request = null;
        this.rule = rule;
    }

    /** For a header whose request code the spec does not define. */
    public static ProtocolException unknownRequest(long code) {
        return new ProtocolException(code, "unknown request code " + code, "unknown request code");
    }

    /**
     * For a bad front-end reply on the back-end channel: {@link #request()} is empty and {@link #requestCode()}
     * is the back-end request's code.
     */
    public static ProtocolException backendReply(BackendRequest sent, String rule) {
        return new ProtocolException(sent.code(), sent.specName() + " reply: " + rule, rule);
    }

    /** The front-end request, if the message was one with a known code. */
    public Optional<FrontendRequest> request() {
        return Optional.ofNullable(request);
    }

    /** The raw request code from the header. */
    public long requestCode() {
        return requestCode;
    }

    /** The rule broken, without the request name. */
    public String rule() {
        return rule;
    }
}
