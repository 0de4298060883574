package io.virtwire.forwarder.state;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.virtwire.forwarder.config.PortConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * {@code stateDir/ports.json}: the ports added over the control socket, so a restarted daemon opens them again
 * (their guests never notice more than an outage). Written atomically ({@link SecureFiles#replace}: a temp file of
 * a unique name created O_EXCL|O_NOFOLLOW, fsync, rename, fsync of the directory): after a crash at any point the
 * file holds either the old or the new list, never a mix. Loaded only if it is a regular file owned by the daemon's
 * user and writable by nobody else ({@link UntrustedStateException} otherwise): the root daemon opens the ports it
 * lists and gives their sockets the access it records.
 */
public final class PortStore {

    static final String FILE = "ports.json";
    private static final int VERSION = 1;

    /**
     * The file's content.
     *
     * @param socketAccess by port name: the mode and group its socket file had (optional; see {@link SocketAccess})
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record State(int version, List<PortConfig> ports, Map<String, SocketAccess> socketAccess) {
    }

    /** What the file holds: the ports, and the access their socket files had when it was written. */
    public record Saved(List<PortConfig> ports, Map<String, SocketAccess> socketAccess) {
        static final Saved NONE = new Saved(List.of(), Map.of());
    }

    /** The file exists but cannot be read or is not a valid port list; the message names the file and the rule. */
    public static class CorruptStateException extends IOException {
        CorruptStateException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The file is not one the daemon may trust (wrong owner, writable by others, a symlink): never loaded. */
    public static final class UntrustedStateException extends CorruptStateException {
        UntrustedStateException(String message) {
            super(message, null);
        }
    }

    private final Path dir;
    private final Path file;
    /** Null for a store used on its own (tests): no check that the directory is still the one locked. */
    private final StateDir guard;
    private final int euid;
    private final ObjectMapper json = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(SerializationFeature.INDENT_OUTPUT);

    /** A store in an existing directory of the daemon's user. */
    public PortStore(Path stateDir) throws IOException {
        this(stateDir, null, StateDir.ownUid());
    }

    /** The daemon's store: writes are refused once {@code stateDir} reports it was replaced. */
    public PortStore(StateDir stateDir) {
        this(stateDir.path(), stateDir, stateDir.euid());
    }

    private PortStore(Path dir, StateDir guard, int euid) {
        this.dir = dir;
        this.file = dir.resolve(FILE);
        this.guard = guard;
        this.euid = euid;
    }

    public Path file() {
        return file;
    }

    /** The user whose files the store trusts (the daemon's effective uid). */
    public int euid() {
        return euid;
    }

    /** The remembered ports, in the order they were added; empty if the file does not exist. */
    public List<PortConfig> load() throws CorruptStateException {
        return loadAll().ports();
    }

    /**
     * The remembered ports and their sockets' access; nothing if the file does not exist.
     *
     * @throws UntrustedStateException if the file is not a regular file of the daemon's user that only it may write
     */
    public Saved loadAll() throws CorruptStateException {
        byte[] bytes;
        try {
            if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
                return Saved.NONE;
            }
            String why = SecureFiles.untrustedFile(file, euid);
            if (why != null) {
                throw new UntrustedStateException(why + "; the forwarder loads only its own state file (owner uid "
                        + euid + ", no group or world write)");
            }
            bytes = SecureFiles.readNoFollow(file);
        } catch (NoSuchFileException e) {
            return Saved.NONE;
        } catch (CorruptStateException e) {
            throw e;
        } catch (IOException e) {
            throw new CorruptStateException(file + " cannot be read: " + e, e);
        }
        State s;
        try {
            s = json.readValue(bytes, State.class);
        } catch (IOException e) {
            throw new CorruptStateException(file + " is not a valid port list ("
                    + (e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.toString()) + ")", e);
        }
        if (s == null || s.version() != VERSION || s.ports() == null) {
            throw new CorruptStateException(file + " is not a version " + VERSION + " port list"
                    + " ({\"version\":1,\"ports\":[...]})", null);
        }
        Set<String> names = new HashSet<>();
        for (PortConfig p : s.ports()) {
            try {
                if (p == null) {
                    throw new IllegalArgumentException("an entry is null");
                }
                p.validated();
            } catch (IllegalArgumentException e) {
                throw new CorruptStateException(file + ": " + e.getMessage(), e);
            }
            if (!names.add(p.name())) {
                throw new CorruptStateException(file + ": port name '" + p.name() + "' appears twice", null);
            }
        }
        Map<String, SocketAccess> access = s.socketAccess() == null ? Map.of() : Map.copyOf(s.socketAccess());
        return new Saved(List.copyOf(s.ports()), access);
    }

    /** Replaces the file's list with {@code ports}; on failure the file still holds the previous list. */
    public void save(List<PortConfig> ports) throws IOException {
        save(ports, Map.of());
    }

    /** As {@link #save(List)}, with the access of the ports' socket files (by port name). */
    public void save(List<PortConfig> ports, Map<String, SocketAccess> socketAccess) throws IOException {
        byte[] bytes = json.writeValueAsBytes(new State(VERSION, List.copyOf(ports),
                socketAccess.isEmpty() ? null : new TreeMap<>(socketAccess)));
        if (guard != null) {
            guard.checkWritable();
        }
        SecureFiles.replace(dir, FILE, bytes, true);
    }

    /**
     * Moves an unusable file aside (to {@code ports.json.bad-MILLIS}) so the next save does not overwrite the
     * evidence; returns where it went.
     */
    public Path quarantine(long nowMillis) throws IOException {
        return quarantine(nowMillis, "bad");
    }

    /** As {@link #quarantine(long)}, to {@code ports.json.KIND-MILLIS} (KIND: bad, untrusted). */
    public Path quarantine(long nowMillis, String kind) throws IOException {
        Path aside = file.resolveSibling(FILE + "." + kind + "-" + nowMillis);
        Files.move(file, aside, StandardCopyOption.REPLACE_EXISTING);
        return aside;
    }
}
