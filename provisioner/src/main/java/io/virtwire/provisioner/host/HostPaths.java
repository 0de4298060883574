package io.virtwire.provisioner.host;

import io.virtwire.provisioner.model.PciAddress;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Where a host's /sys, /proc, /dev and /etc live. Every read and write of host state goes through here so
 * that --host-root (a fixture tree or a mounted snapshot) and the real "/" behave the same.
 */
public record HostPaths(Path root) {

    public HostPaths {
        root = root.toAbsolutePath().normalize();
        try {
            // symlinks are resolved against the real root, so the root itself must be real
            root = root.toRealPath();
        } catch (IOException e) {
            // a root that does not exist reads as an empty host
        }
    }

    /** Resolves a host-absolute path such as "/sys/bus/pci/devices" under the root. */
    public Path resolve(String hostAbsolute) {
        String rel = hostAbsolute.startsWith("/") ? hostAbsolute.substring(1) : hostAbsolute;
        return rel.isEmpty() ? root : root.resolve(rel);
    }

    /** The path as the host would name it (without the root prefix), for evidence and messages. */
    public String display(Path p) {
        Path abs = p.toAbsolutePath().normalize();
        if (abs.startsWith(root)) {
            return "/" + root.relativize(abs).toString().replace('\\', '/');
        }
        return abs.toString();
    }

    public Path pciDevice(PciAddress address) {
        return resolve("/sys/bus/pci/devices/" + address);
    }

    public Path pciDriver(String driver) {
        return resolve("/sys/bus/pci/drivers/" + driver);
    }

    /** File content without the trailing newline sysfs adds; empty when absent or unreadable. */
    public Optional<String> read(Path file) {
        try {
            if (!Files.isRegularFile(file)) {
                return Optional.empty();
            }
            return Optional.of(Files.readString(file, StandardCharsets.UTF_8).strip());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    public Optional<Integer> readInt(Path file) {
        return read(file).flatMap(HostPaths::parseInt);
    }

    public Optional<byte[]> readBytes(Path file) {
        try {
            return Files.isRegularFile(file) ? Optional.of(Files.readAllBytes(file)) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** The last path element a symlink points at ("igb" for driver -> ../../../bus/pci/drivers/igb). */
    public Optional<String> linkName(Path link) {
        try {
            if (!Files.isSymbolicLink(link)) {
                return Optional.empty();
            }
            return Optional.of(Files.readSymbolicLink(link).getFileName().toString());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** The real directory of a path with symlinks resolved; the path itself when it cannot be resolved. */
    public Path real(Path p) {
        try {
            return p.toRealPath();
        } catch (IOException e) {
            return p;
        }
    }

    public List<String> list(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return new ArrayList<>(s.map(p -> p.getFileName().toString()).sorted().toList());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Optional<Integer> parseInt(String s) {
        try {
            String t = s.strip();
            return Optional.of(t.startsWith("0x") ? Integer.parseInt(t.substring(2), 16) : Integer.parseInt(t));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }
}
