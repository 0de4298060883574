package io.virtwire.provisioner.demo;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** A host for the prerequisite check whose every answer the test sets; by default it has everything. */
public final class FakeDemoHost implements DemoHost {

    public boolean root = true;
    public final Set<String> commands = new HashSet<>(Set.of("qemu-system-x86_64", "ip", "libvirtd", "busybox"));
    public final Set<Path> missingFiles = new HashSet<>();
    /** libvirt's answers, one per question; the last one repeats. Empty list: it answers. */
    public final List<Optional<String>> libvirtErrors = new ArrayList<>();
    public Optional<String> netnsError = Optional.empty();
    public int libvirtdStarts;
    public int questions;

    @Override
    public boolean root() {
        questions++;
        return root;
    }

    @Override
    public Optional<Path> onPath(String command) {
        questions++;
        return commands.contains(command) ? Optional.of(Path.of("/usr/bin", command)) : Optional.empty();
    }

    @Override
    public boolean isFile(Path path) {
        questions++;
        return !missingFiles.contains(path);
    }

    @Override
    public Optional<String> libvirtError(String uri) {
        questions++;
        if (libvirtErrors.isEmpty()) {
            return Optional.empty();
        }
        return libvirtErrors.size() == 1 ? libvirtErrors.getFirst() : libvirtErrors.removeFirst();
    }

    @Override
    public List<String> startLibvirtd() {
        libvirtdStarts++;
        return List.of("virtlogd -d", "libvirtd -d");
    }

    @Override
    public Optional<String> netnsError() {
        questions++;
        return netnsError;
    }
}
