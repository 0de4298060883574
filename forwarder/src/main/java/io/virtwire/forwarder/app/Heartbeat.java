package io.virtwire.forwarder.app;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * A file holding the wall-clock time the daemon was last alive, rewritten every second. After a crash or
 * {@code kill -9} the next process reads it: the outage of each port is measured from there.
 */
public final class Heartbeat {

    private static final System.Logger LOG = System.getLogger(Heartbeat.class.getName());

    private final Path file;
    private final Path temp;

    public Heartbeat(Path stateDir) {
        this.file = stateDir.resolve("forwarder.heartbeat");
        this.temp = stateDir.resolve("forwarder.heartbeat.tmp");
    }

    /** The previous process's last heartbeat (epoch millis), or -1. */
    public long previous() {
        try {
            return Long.parseLong(Files.readString(file, StandardCharsets.US_ASCII).trim());
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }

    public void beat(long nowMillis) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(temp, Long.toString(nowMillis), StandardCharsets.US_ASCII);
            Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot write heartbeat " + file + ": " + e.getMessage());
        }
    }

    /** A clean shutdown: the next start is not an outage of ours. */
    public void clear() {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // next start will count an outage from our last beat; harmless
        }
    }
}
