package io.virtwire.provisioner.cli;

import java.util.Map;
import java.util.Optional;

/** The process environment, injectable so tests can set LIBVIRT_DEFAULT_URI and friends without touching the JVM's. */
public record Environment(Map<String, String> variables) {

    public static Environment system() {
        return new Environment(System.getenv());
    }

    public Optional<String> get(String name) {
        String v = variables.get(name);
        return v == null || v.isBlank() ? Optional.empty() : Optional.of(v);
    }
}
