package io.virtwire.forwarder.config;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.virtwire.logging.LogLine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The daemon's YAML config (every field optional):
 * <pre>
 * control: /run/virtwire/forwarder.sock
 * controlGroup: virtwire          # members may use the control socket (root always may)
 * controlMaxClients: 64           # control connections served at once; more are refused
 * controlIdleSeconds: 60          # a control connection without a request for this long is closed
 * socketDir: /run/virtwire        # port.add's vhost-user sockets must lie below this directory
 * extraSocketDirs: []             # further directories port.add may use (same rules)
 * stateDir: /var/lib/virtwire/forwarder  # root-only (0700): heartbeat, ports.json (ports added over the control socket), lock
 * mode: switch                   # or xconnect: exactly two ports wired to each other
 * workers: 1
 * workerCpus: [1]                 # worker i pinned to workerCpus[i]
 * macAgingSeconds: 300
 * ports: [ {name: vm1, type: vhost-user, socket: /run/virtwire/vm1.sock, mode: server} ]
 * metrics: {listen: "127.0.0.1:9477"}  # Prometheus text format on /metrics; absent: off
 * logLevel: info                  # error|warn|info|debug|trace; --log-level and $VIRTWIRE_LOG_LEVEL win
 * </pre>
 * Loading is strict (docs/forwarder.md, "Config file"): values have their field's type, unknown and duplicate
 * keys are refused, paths are absolute; every refusal is reported as {@code file:line:column: message}.
 */
@JsonIgnoreProperties(ignoreUnknown = false)
public record ForwarderConfig(String control, String controlGroup, String stateDir, String mode, Integer workers,
                              List<Integer> workerCpus, Integer macAgingSeconds, List<PortConfig> ports,
                              String socketDir, List<String> extraSocketDirs, Integer controlMaxClients,
                              Integer controlIdleSeconds, MetricsConfig metrics, String logLevel) {

    public static final String DEFAULT_CONTROL = "/run/virtwire/forwarder.sock";
    public static final String DEFAULT_SOCKET_DIR = "/run/virtwire";
    public static final int DEFAULT_CONTROL_MAX_CLIENTS = 64;
    public static final int DEFAULT_CONTROL_IDLE_SECONDS = 60;

    /** Without the control-plane limits and socket directories (their defaults). */
    public ForwarderConfig(String control, String controlGroup, String stateDir, String mode, Integer workers,
                           List<Integer> workerCpus, Integer macAgingSeconds, List<PortConfig> ports) {
        this(control, controlGroup, stateDir, mode, workers, workerCpus, macAgingSeconds, ports, null, null, null, null,
                null, null);
    }

    public static ForwarderConfig empty() {
        return new ForwarderConfig(null, null, null, null, null, null, null, null);
    }

    private static final ObjectMapper YAML = StrictMapping.build(YAMLMapper.builder());

    /**
     * Reads and checks {@code file}.
     *
     * @throws ConfigException for any problem with the file, its message starting with {@code file:line:column:}
     *                         (or {@code file:} when it cannot be read at all)
     */
    public static ForwarderConfig load(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException("", file + ": no such config file");
        } catch (IOException e) {
            throw new ConfigException("", file + ": cannot read the config file: " + e.getMessage(), e);
        }
        String text = ConfigText.decode(file, bytes);
        ForwarderConfig c;
        try {
            // an empty file (or only comments) means every default
            c = text.lines().allMatch(l -> l.isBlank() || l.strip().startsWith("#"))
                    ? null : YAML.readValue(text, ForwarderConfig.class);
        } catch (JsonProcessingException e) {
            throw new ConfigException(e instanceof JsonMappingException m ? StrictMapping.pointerOf(m) : "",
                    ConfigText.where(file, text, e) + " " + StrictMapping.describe(e, null, ConfigText.tree(text)), e);
        }
        if (c == null) {
            c = empty();
        }
        try {
            // a bare "metrics:" reads as null, which would look like "no metrics": an endpoint the operator
            // asked for would silently not exist
            JsonNode tree = c.metrics() == null ? ConfigText.tree(text) : null;
            if (tree != null && tree.has("metrics") && tree.get("metrics").isNull()) {
                throw new ConfigException("/metrics", "metrics is empty: write metrics: {listen: \"127.0.0.1:9477\"}"
                        + " (an object with 'listen', HOST:PORT), or remove the key to serve no metrics");
            }
            return c.validated();
        } catch (ConfigException e) {
            throw new ConfigException(e.pointer(), ConfigText.locate(file, text, e.pointer(), false) + " " + e.getMessage(), e);
        }
    }

    public ForwarderConfig validated() {
        absolute("/control", "control", control);
        absolute("/stateDir", "stateDir", stateDir);
        absolute("/socketDir", "socketDir", socketDir);
        if (extraSocketDirs != null) {
            for (int i = 0; i < extraSocketDirs.size(); i++) {
                absolute("/extraSocketDirs/" + i, "extraSocketDirs[" + i + "]", extraSocketDirs.get(i));
                if (extraSocketDirs.get(i) == null) {
                    throw new ConfigException("/extraSocketDirs/" + i, "extraSocketDirs[" + i + "] is empty");
                }
            }
        }
        if (workers != null && (workers < 1 || workers > 64)) {
            throw new ConfigException("/workers", "workers " + workers + " is outside 1..64");
        }
        if (workerCpus != null) {
            Cpus.check(workerCpus);
        }
        if (controlMaxClients != null && (controlMaxClients < 1 || controlMaxClients > 4096)) {
            throw new ConfigException("/controlMaxClients", "controlMaxClients " + controlMaxClients
                    + " is outside 1..4096");
        }
        if (controlIdleSeconds != null && (controlIdleSeconds < 1 || controlIdleSeconds > 86400)) {
            throw new ConfigException("/controlIdleSeconds", "controlIdleSeconds " + controlIdleSeconds
                    + " is outside 1..86400");
        }
        if (mode != null && !mode.equals("switch") && !mode.equals("xconnect")) {
            throw new ConfigException("/mode", "mode '" + PortConfig.printable(mode) + "' is neither 'switch' nor 'xconnect'");
        }
        if ("xconnect".equals(mode) && portsOrEmpty().size() > 2) {
            throw new ConfigException("/ports", "mode xconnect wires two ports; the config lists " + portsOrEmpty().size());
        }
        if (macAgingSeconds != null && macAgingSeconds < 1) {
            throw new ConfigException("/macAgingSeconds", "macAgingSeconds " + macAgingSeconds + " must be at least 1");
        }
        if (logLevel != null) {
            try {
                LogLine.Level.parse(logLevel, "logLevel");
            } catch (IllegalArgumentException e) {
                throw new ConfigException("/logLevel", e.getMessage());
            }
        }
        if (metrics != null) {
            try {
                metrics.validated();
            } catch (ConfigException e) {
                throw e.under("/metrics");
            }
        }
        Set<String> names = new HashSet<>();
        List<PortConfig> ps = portsOrEmpty();
        for (int i = 0; i < ps.size(); i++) {
            PortConfig p = ps.get(i);
            if (p == null) {
                throw new ConfigException("/ports/" + i, "ports[" + i + "] is empty; a port needs at least 'name'");
            }
            try {
                p.validated();
            } catch (ConfigException e) {
                throw e.under("/ports/" + i);
            }
            if (!names.add(p.name())) {
                throw new ConfigException("/ports/" + i + "/name", "port name '" + p.name()
                        + "' appears twice; names must be unique");
            }
        }
        return this;
    }

    /** Relative paths would depend on the directory the daemon happens to start in. */
    private static void absolute(String pointer, String key, String path) {
        if (path != null && (path.isEmpty() || !path.startsWith("/"))) {
            throw new ConfigException(pointer, key + " '" + PortConfig.printable(path) + "' must be an absolute path"
                    + " (start with /)");
        }
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

    public String socketDirOrDefault() {
        return socketDir == null ? DEFAULT_SOCKET_DIR : socketDir;
    }

    public List<String> extraSocketDirsOrEmpty() {
        return extraSocketDirs == null ? List.of() : extraSocketDirs;
    }

    public String controlOrDefault() {
        return control == null ? DEFAULT_CONTROL : control;
    }

    public int controlMaxClientsOrDefault() {
        return controlMaxClients == null ? DEFAULT_CONTROL_MAX_CLIENTS : controlMaxClients;
    }

    public int controlIdleSecondsOrDefault() {
        return controlIdleSeconds == null ? DEFAULT_CONTROL_IDLE_SECONDS : controlIdleSeconds;
    }

    public ForwarderConfig withControl(String socket) {
        return new ForwarderConfig(socket, controlGroup, stateDir, mode, workers, workerCpus, macAgingSeconds, ports,
                socketDir, extraSocketDirs, controlMaxClients, controlIdleSeconds, metrics, logLevel);
    }

    public ForwarderConfig withMetrics(MetricsConfig m) {
        return new ForwarderConfig(control, controlGroup, stateDir, mode, workers, workerCpus, macAgingSeconds, ports,
                socketDir, extraSocketDirs, controlMaxClients, controlIdleSeconds, m, logLevel);
    }

    public ForwarderConfig withSocketDir(String dir) {
        return new ForwarderConfig(control, controlGroup, stateDir, mode, workers, workerCpus, macAgingSeconds, ports,
                dir, extraSocketDirs, controlMaxClients, controlIdleSeconds, metrics, logLevel);
    }

    public ForwarderConfig withControlLimits(Integer maxClients, Integer idleSeconds) {
        return new ForwarderConfig(control, controlGroup, stateDir, mode, workers, workerCpus, macAgingSeconds, ports,
                socketDir, extraSocketDirs, maxClients, idleSeconds, metrics, logLevel);
    }
}
