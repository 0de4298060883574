package io.virtwire.forwarder.app;

import com.fasterxml.jackson.databind.JsonNode;
import io.virtwire.forwarder.control.ControlClient;
import io.virtwire.forwarder.engine.OpenedInTest;

import java.nio.file.Files;
import java.nio.file.Path;

/** Waiting for and asking a forwarder process over its control socket (the state-directory ITs' helpers). */
final class Forwarders {

    private Forwarders() {
    }

    /** Waits (bounded) until the daemon answers on its control socket. */
    static void awaitControl(Path control, ForwarderProcess fwd) throws Exception {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (System.nanoTime() < deadline) {
            Thread.sleep(200);
            if (!fwd.isAlive()) {
                throw new AssertionError("the forwarder exited; its log:\n" + fwd.log());
            }
            if (Files.exists(control)) {
                try (ControlClient c = new ControlClient(control)) {
                    if (c.call("{\"op\":\"health\"}").get("ok").asBoolean()) {
                        return;
                    }
                } catch (java.net.ConnectException e) {
                    // a dead process's stale socket, or not listening yet
                }
            }
        }
        throw new AssertionError("the forwarder did not open its control socket; its log:\n" + fwd.log());
    }

    /**
     * Starts a forwarder on {@code config} with its output in {@code log}, kept by {@code opened} (so it is stopped
     * even if the wait fails), and waits until it answers on {@code control}.
     */
    static ForwarderProcess startServing(OpenedInTest opened, Path log, Path config, Path control) throws Exception {
        ForwarderProcess fwd = opened.keep(ForwarderProcess.start(log, "--config", config.toString()));
        awaitControl(control, fwd);
        return fwd;
    }

    /** Adds vhost-user port {@code name} (server mode, the default) on {@code socket}; it must succeed. */
    static JsonNode addPort(Path control, String name, Path socket) throws Exception {
        return ok(control, "{\"op\":\"port.add\",\"port\":{\"name\":\"" + name + "\",\"socket\":\"" + socket + "\"}}");
    }

    /** The result of a request that must succeed. */
    static JsonNode ok(Path control, String request) throws Exception {
        try (ControlClient c = new ControlClient(control)) {
            JsonNode r = c.call(request);
            if (!r.get("ok").asBoolean()) {
                throw new AssertionError("expected success for " + request + ", got " + r);
            }
            return r.get("result");
        }
    }

    /** A config file in {@code dir}: this control socket and state directory, no ports. */
    static Path config(Path dir, String name, Path control, Path stateDir) throws Exception {
        return Files.writeString(dir.resolve(name), """
                control: %s
                stateDir: %s
                workers: 1
                """.formatted(control, stateDir));
    }

    /** Waits (bounded) for a process that must exit by itself; returns its exit code. */
    static int awaitExit(ForwarderProcess fwd, String why) throws Exception {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (fwd.isAlive()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(why + ": the forwarder is still running; its log:\n" + fwd.log());
            }
            Thread.sleep(100);
        }
        return fwd.terminateAfterExit();
    }
}
