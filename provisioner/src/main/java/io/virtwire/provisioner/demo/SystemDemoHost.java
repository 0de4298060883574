package io.virtwire.provisioner.demo;

import io.virtwire.provisioner.VirtwireException;
import io.virtwire.provisioner.host.ProcessCommandRunner;
import io.virtwire.provisioner.libvirt.LibvirtConnector;
import io.virtwire.provisioner.libvirt.LibvirtGateway;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/** The real host: /proc for the uid and running daemons, PATH for commands, libvirt through the CLI's connector. */
public final class SystemDemoHost implements DemoHost {

    private final LibvirtConnector connector;

    @Inject
    public SystemDemoHost(LibvirtConnector connector) {
        this.connector = connector;
    }

    @Override
    public boolean root() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return line.split("\\s+")[2].equals("0"); // effective uid
                }
            }
        } catch (IOException | ArrayIndexOutOfBoundsException e) {
            return false;
        }
        return false;
    }

    @Override
    public Optional<Path> onPath(String command) {
        Set<String> dirs = new LinkedHashSet<>();
        String path = System.getenv("PATH");
        if (path != null) {
            dirs.addAll(List.of(path.split(":")));
        }
        dirs.addAll(List.of("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"));
        for (String dir : dirs) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir, command);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    @Override
    public boolean isFile(Path path) {
        return Files.isRegularFile(path);
    }

    @Override
    public Optional<String> libvirtError(String uri) {
        try (LibvirtGateway gw = connector.open(uri)) {
            gw.domainNames();
            return Optional.empty();
        } catch (VirtwireException e) {
            return Optional.of(e.getMessage());
        }
    }

    @Override
    public List<String> startLibvirtd() {
        List<String> ran = new ArrayList<>();
        for (String daemon : List.of("virtlogd", "libvirtd")) {
            if (!running(daemon)) {
                List<String> command = List.of(onPath(daemon).map(Path::toString).orElse(daemon), "-d");
                ProcessCommandRunner.Result r = ProcessCommandRunner.execute(command, Duration.ofSeconds(30));
                ran.add(ProcessCommandRunner.line(List.of(daemon, "-d")) + (r.ok() ? "" : "   (failed, exit " + r.exit() + ": " + r.output() + ")"));
            }
        }
        return ran;
    }

    /** Like {@code pgrep -x NAME}: a process whose command name is exactly {@code name}. */
    private static boolean running(String name) {
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            return procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit)).anyMatch(p -> {
                try {
                    return Files.readString(p.resolve("comm")).strip().equals(name);
                } catch (IOException e) {
                    return false; // the process ended meanwhile
                }
            });
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public Optional<String> netnsError() {
        ProcessCommandRunner.Result r = ProcessCommandRunner.execute(List.of(onPath("ip").map(Path::toString).orElse("ip"), "netns", "list"), Duration.ofSeconds(10));
        return r.ok() ? Optional.empty() : Optional.of("ip netns list: exit " + r.exit() + (r.output().isEmpty() ? "" : ", " + r.output()));
    }
}
