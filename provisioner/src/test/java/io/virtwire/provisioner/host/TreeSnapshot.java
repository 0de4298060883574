package io.virtwire.provisioner.host;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Every file's content and every symlink's target under a root, to prove that "nothing changed". The simulated
 * kernel's record of the commands it ran is not host state and is left out.
 */
public final class TreeSnapshot {

    private TreeSnapshot() {
    }

    public static Map<String, String> of(Path root) {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.toList()) {
                String key = root.relativize(p).toString();
                if (key.equals(io.virtwire.provisioner.host.sim.SimulatedKernel.COMMAND_LOG.substring(1))) {
                    continue;
                }
                if (Files.isSymbolicLink(p)) {
                    out.put(key, "-> " + Files.readSymbolicLink(p));
                } else if (Files.isRegularFile(p)) {
                    out.put(key, java.util.HexFormat.of().formatHex(Files.readAllBytes(p)));
                } else {
                    out.put(key, "<dir>");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }
}
