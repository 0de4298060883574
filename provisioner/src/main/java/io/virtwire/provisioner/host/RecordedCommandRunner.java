package io.virtwire.provisioner.host;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Replays outputs recorded beside a fixture tree (commands/ip_-j_-d_link_show.json); it never changes anything. */
public final class RecordedCommandRunner implements CommandRunner {

    private final Path directory;

    public RecordedCommandRunner(Path directory) {
        this.directory = directory;
    }

    @Override
    public String run(List<String> argv) {
        Path file = directory.resolve(CommandRunner.recordingName(argv));
        if (!Files.isRegularFile(file)) {
            throw new CommandException("no recorded output for '" + String.join(" ", argv) + "' (looked for " + file + ")");
        }
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new CommandException("cannot read recorded output " + file + ": " + e.getMessage());
        }
    }
}
