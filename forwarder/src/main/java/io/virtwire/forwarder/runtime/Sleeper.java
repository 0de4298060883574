package io.virtwire.forwarder.runtime;

/** The last stage of backing off: block until there is work or {@code maxMillis} pass. */
@FunctionalInterface
public interface Sleeper {
    void sleep(int maxMillis);
}
