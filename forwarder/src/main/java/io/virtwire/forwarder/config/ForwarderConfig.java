package io.virtwire.forwarder.config;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The daemon's YAML config (every field optional):
 * <pre>
 * control: /run/virtwire/forwarder.sock
 * controlGroup: virtwire          # members may use the control socket (root always may)
 * stateDir: /var/lib/virtwire/forwarder  # root-only (0700): heartbeat, ports.json (ports added over the control socket), lock
 * mode: switch                   # or xconnect: exactly two ports wired to each other
 * workers: 1
 * workerCpus: [1]                 # worker i pinned to workerCpus[i]
 * macAgingSeconds: 300
 * ports: [ {name: vm1, type: vhost-user, socket: /run/virtwire/vm1.sock, mode: server} ]
 * </pre>
 */
@JsonIgnoreProperties(ignoreUnknown = false)
public record ForwarderConfig(String control, String controlGroup, String stateDir, String mode, Integer workers,
                              List<Integer> workerCpus, Integer macAgingSeconds, List<PortConfig> ports) {

    public static final String DEFAULT_CONTROL = "/run/virtwire/forwarder.sock";

    public static ForwarderConfig empty() {
        return new ForwarderConfig(null, null, null, null, null, null, null, null);
    }

    public static ForwarderConfig load(Path file) throws IOException {
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory())
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
        ForwarderConfig c;
        try {
            String text = java.nio.file.Files.readString(file);
            // an empty file (or only comments) means every default
            c = text.lines().allMatch(l -> l.isBlank() || l.strip().startsWith("#"))
                    ? null : yaml.readValue(text, ForwarderConfig.class);
        } catch (IOException e) {
            throw new IOException("config " + file + ": " + e.getMessage(), e);
        }
        if (c == null) {
            c = empty();
        }
        try {
            return c.validated();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("config " + file + ": " + e.getMessage(), e);
        }
    }

    public ForwarderConfig validated() {
        if (workers != null && (workers < 1 || workers > 64)) {
            throw new IllegalArgumentException("workers " + workers + " is outside 1..64");
        }
        if (mode != null && !mode.equals("switch") && !mode.equals("xconnect")) {
            throw new IllegalArgumentException("mode '" + mode + "' is neither 'switch' nor 'xconnect'");
        }
        if ("xconnect".equals(mode) && portsOrEmpty().size() > 2) {
            throw new IllegalArgumentException("mode xconnect wires two ports; the config lists " + portsOrEmpty().size());
        }
        if (macAgingSeconds != null && macAgingSeconds < 1) {
            throw new IllegalArgumentException("macAgingSeconds " + macAgingSeconds + " must be at least 1");
        }
        Set<String> names = new HashSet<>();
        for (PortConfig p : portsOrEmpty()) {
            p.validated();
            if (!names.add(p.name())) {
                throw new IllegalArgumentException("port name '" + p.name() + "' appears twice; names must be unique");
            }
        }
        return this;
    }

    public List<PortConfig> portsOrEmpty() {
        return ports == null ? List.of() : ports;
    }

    public boolean isCrossConnect() {
        return "xconnect".equals(mode);
    }

    public int workersOrDefault() {
        return workers == null ? 1 : workers;
    }

    public int macAgingSecondsOrDefault() {
        return macAgingSeconds == null ? 300 : macAgingSeconds;
    }

    public ForwarderConfig withControl(String socket) {
        return new ForwarderConfig(socket, controlGroup, stateDir, mode, workers, workerCpus, macAgingSeconds, ports);
    }
}
