package io.virtwire.provisioner.state;

import io.virtwire.logging.LogLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;

/**
 * Where the hook and the watcher say what they did: one line per event in the forwarder's format
 * ({@code TIME LEVEL hook: message domain=... pid=...}, {@link LogLine}), appended to a log file in the state
 * directory and echoed to stderr (libvirt copies a failing hook's stderr into its own log; the watcher's goes to the
 * journal, with {@code <N>} priorities when {@code $JOURNAL_STREAM} is set). Bounded: a file that would grow past
 * {@link #MAX_BYTES} is first renamed to {@code FILE.1} (replacing the previous one), so the two together stay
 * under twice that. Two processes rotating at the same moment may drop one old generation, never the new lines.
 */
public final class HookLog {

    public static final long MAX_BYTES = 1 << 20;

    private final Path file;
    private final PrintWriter err;
    private final String source;
    private final long maxBytes;
    private final boolean journal;

    public HookLog(Path file, PrintWriter err, String source) {
        this(file, err, source, MAX_BYTES, System.getenv());
    }

    HookLog(Path file, PrintWriter err, String source, long maxBytes, Map<String, String> env) {
        this.file = file;
        this.err = err;
        this.source = source;
        this.maxBytes = maxBytes;
        this.journal = env.get("JOURNAL_STREAM") != null;
    }

    /** An INFO line; {@code fields} are key, value pairs ({@code "domain", name}). */
    public void line(String text, Object... fields) {
        write(LogLine.Level.INFO, text, fields);
    }

    /** A WARN line: something failed and will be tried again. */
    public void warn(String text, Object... fields) {
        write(LogLine.Level.WARN, text, fields);
    }

    /** An ERROR line: the operation failed. */
    public void error(String text, Object... fields) {
        write(LogLine.Level.ERROR, text, fields);
    }

    private void write(LogLine.Level level, String text, Object[] fields) {
        Object[] all = Arrays.copyOf(fields, fields.length + 2);
        all[fields.length] = "pid";
        all[fields.length + 1] = ProcessHandle.current().pid();
        String line = LogLine.format(Instant.now(), level, source, text, all);
        byte[] bytes = (line + "\n").getBytes(StandardCharsets.UTF_8);
        try {
            Files.createDirectories(file.getParent());
            rotateIfFull(bytes.length);
            Files.write(file, bytes, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            err.println("virtwire: cannot append to " + file + ": " + e.getMessage());
        }
        err.println(journal ? LogLine.withPriority(level, line) : line);
        err.flush();
    }

    private void rotateIfFull(int adding) throws IOException {
        long size;
        try {
            size = Files.size(file);
        } catch (NoSuchFileException e) {
            return;
        }
        if (size + adding > maxBytes) {
            try {
                Files.move(file, rotated(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (NoSuchFileException e) {
                // another process rotated it a moment ago
            }
        }
    }

    public Path file() {
        return file;
    }

    /** The previous generation: {@code FILE.1}. */
    public Path rotated() {
        return file.resolveSibling(file.getFileName() + ".1");
    }
}
