package io.virtwire.provisioner.state;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * Where the hook and the watcher say what they did: one timestamped line per event, appended to a log file in the
 * state directory and echoed to stderr (libvirt copies a failing hook's stderr into its own log).
 */
public final class HookLog {

    private final Path file;
    private final PrintWriter err;
    private final String source;

    public HookLog(Path file, PrintWriter err, String source) {
        this.file = file;
        this.err = err;
        this.source = source;
    }

    public void line(String text) {
        String line = Instant.now().truncatedTo(ChronoUnit.MILLIS) + " " + source + "[" + ProcessHandle.current().pid() + "] " + text;
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            err.println("virtwire: cannot append to " + file + ": " + e.getMessage());
        }
        err.println(line);
        err.flush();
    }

    public Path file() {
        return file;
    }
}
