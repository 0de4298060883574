package io.virtwire.forwarder.app;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.virtwire.forwarder.config.PortConfig;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * {@code stateDir/ports.json}: the ports added over the control socket, so a restarted daemon opens them again
 * (their guests never notice more than an outage). Written atomically (temp file, fsync, rename, fsync of the
 * directory): after a crash at any point the file holds either the old or the new list, never a mix.
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
    public static final class CorruptStateException extends IOException {
        CorruptStateException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final Path file;
    private final Path temp;
    private final ObjectMapper json = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(SerializationFeature.INDENT_OUTPUT);

    public PortStore(Path stateDir) {
        this.file = stateDir.resolve(FILE);
        this.temp = stateDir.resolve(FILE + ".tmp");
    }

    public Path file() {
        return file;
    }

    /** The remembered ports, in the order they were added; empty if the file does not exist. */
    public List<PortConfig> load() throws CorruptStateException {
        return loadAll().ports();
    }

    /** The remembered ports and their sockets' access; nothing if the file does not exist. */
    public Saved loadAll() throws CorruptStateException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return Saved.NONE;
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
        Files.createDirectories(file.getParent());
        try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.force(true);
        }
        Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        // the rename itself is durable only once the directory is
        try (FileChannel dir = FileChannel.open(file.getParent(), StandardOpenOption.READ)) {
            dir.force(true);
        }
    }

    /**
     * Moves an unusable file aside (to {@code ports.json.bad-MILLIS}) so the next save does not overwrite the
     * evidence; returns where it went.
     */
    public Path quarantine(long nowMillis) throws IOException {
        Path aside = file.resolveSibling(FILE + ".bad-" + nowMillis);
        Files.move(file, aside, StandardCopyOption.REPLACE_EXISTING);
        return aside;
    }
}
