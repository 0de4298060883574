package io.virtwire.forwarder.control;

import io.virtwire.forwarder.config.ForwarderConfig;

import java.time.Duration;

/**
 * What one control socket may cost: at most {@code maxClients} connections at once (each has one platform thread
 * and two small buffers; more are refused with one error line), and a connection that sends no request for
 * {@code idleTimeout} is closed (so idle clients cannot hold every slot for ever).
 */
public record ControlLimits(int maxClients, Duration idleTimeout) {

    public static final ControlLimits DEFAULT = new ControlLimits(ForwarderConfig.DEFAULT_CONTROL_MAX_CLIENTS,
            Duration.ofSeconds(ForwarderConfig.DEFAULT_CONTROL_IDLE_SECONDS));

    public ControlLimits {
        if (maxClients < 1) {
            throw new IllegalArgumentException("maxClients " + maxClients + " must be at least 1");
        }
        if (idleTimeout.isNegative() || idleTimeout.isZero()) {
            throw new IllegalArgumentException("idleTimeout " + idleTimeout + " must be positive");
        }
    }

    public static ControlLimits of(ForwarderConfig c) {
        return new ControlLimits(c.controlMaxClientsOrDefault(), Duration.ofSeconds(c.controlIdleSecondsOrDefault()));
    }
}
