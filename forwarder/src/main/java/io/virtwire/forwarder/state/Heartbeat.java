package io.virtwire.forwarder.state;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A file holding the wall-clock time the daemon was last alive, rewritten every half second. After a crash or
 * {@code kill -9} the next process reads it: the outage of each port is measured from there. Written like every
 * state file ({@link SecureFiles#replace}: a unique temp name, never following a symlink, then a rename), but not
 * fsync'ed: after a power loss the outage is the host's anyway, and a torn or missing beat only means "unknown".
 */
public final class Heartbeat {

    static final String FILE = "forwarder.heartbeat";
    private static final System.Logger LOG = System.getLogger(Heartbeat.class.getName());

    private final StateDir dir;
    private final Path file;
    private volatile String lastWarning;

    public Heartbeat(StateDir dir) {
        this.dir = dir;
        this.file = dir.path().resolve(FILE);
    }

    /** The previous process's last heartbeat (epoch millis), or -1. */
    public long previous() {
        try {
            return Long.parseLong(new String(SecureFiles.readNoFollow(file), StandardCharsets.US_ASCII).trim());
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }

    public void beat(long nowMillis) {
        try {
            dir.checkWritable();
            SecureFiles.replace(dir.path(), FILE, Long.toString(nowMillis).getBytes(StandardCharsets.US_ASCII), false);
            lastWarning = null;
        } catch (IOException e) {
            String warning = "cannot write heartbeat " + file + ": " + e.getMessage();
            if (!warning.equals(lastWarning)) { // once per distinct problem, not twice a second
                LOG.log(System.Logger.Level.WARNING, warning);
                lastWarning = warning;
            }
        }
    }

    /** A clean shutdown: the next start is not an outage of ours. */
    public void clear() {
        try {
            dir.checkWritable();
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // next start will count an outage from our last beat; harmless
        }
    }
}
