package io.virtwire.provisioner.cli;

import io.virtwire.provisioner.VirtwireException;
import io.virtwire.provisioner.forwarder.ForwarderControlClient;
import jakarta.inject.Inject;

import java.time.Duration;

/** The forwarder control client for this invocation: the socket from {@link GlobalOptions}, a bounded timeout. */
public class ForwarderControlFactory {

    private final GlobalOptions globals;

    @Inject
    public ForwarderControlFactory(GlobalOptions globals) {
        this.globals = globals;
    }

    public ForwarderControlClient open() {
        if (!globals.forwarderSocket().isAbsolute()) {
            throw VirtwireException.invalid("--forwarder '" + globals.forwarderSocket() + "' must be an absolute path to the forwarder's control socket");
        }
        return new ForwarderControlClient(globals.forwarderSocket(), timeout());
    }

    /** VIRTWIRE_FORWARDER_TIMEOUT (seconds, fractions allowed), default 10: the libvirt hook must finish in bounded time. */
    private Duration timeout() {
        String s = globals.environment().get("VIRTWIRE_FORWARDER_TIMEOUT").orElse(null);
        if (s == null) {
            return ForwarderControlClient.DEFAULT_TIMEOUT;
        }
        try {
            double seconds = Double.parseDouble(s);
            if (seconds > 0 && seconds <= 600) {
                return Duration.ofMillis((long) (seconds * 1000));
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw VirtwireException.invalid("VIRTWIRE_FORWARDER_TIMEOUT '" + s + "' must be seconds in (0, 600]");
    }
}
