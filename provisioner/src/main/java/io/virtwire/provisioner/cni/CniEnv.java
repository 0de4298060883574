package io.virtwire.provisioner.cni;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The environment a runtime runs a CNI plugin with (spec 1.0.0, "Parameters"), checked per command: a missing or
 * malformed variable is error 4 naming it.
 */
public record CniEnv(String command, String containerId, String netns, String ifname, List<Path> path) {

    static final Set<String> COMMANDS = Set.of("ADD", "DEL", "CHECK", "VERSION", "STATUS", "GC");
    // the spec's container id: alphanumerics, then also '.', '_', '-'
    private static final Pattern CONTAINER_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.\\-]*");

    public static CniEnv of(Map<String, String> env) {
        String command = env.get("CNI_COMMAND");
        if (command == null || command.isEmpty()) {
            throw invalid("CNI_COMMAND is not set", "set CNI_COMMAND to one of ADD, DEL, CHECK, VERSION, STATUS, GC");
        }
        if (!COMMANDS.contains(command)) {
            throw invalid("CNI_COMMAND '" + command + "' is not a CNI command", "one of ADD, DEL, CHECK, VERSION, STATUS, GC");
        }
        if (command.equals("VERSION")) {
            return new CniEnv(command, null, null, null, List.of());
        }
        if (command.equals("STATUS") || command.equals("GC")) { // CNI 1.1: about the network, not one attachment
            return new CniEnv(command, null, null, null, cniPath(env));
        }
        String id = required(env, "CNI_CONTAINERID");
        if (!CONTAINER_ID.matcher(id).matches()) {
            throw invalid("CNI_CONTAINERID '" + id + "' is not a container id", "letters, digits, '.', '_', '-', starting with a letter or digit");
        }
        String ifname = required(env, "CNI_IFNAME");
        if (ifname.length() > 15 || ifname.equals(".") || ifname.equals("..") || ifname.chars().anyMatch(c -> c == '/' || c == ':'
                || Character.isWhitespace(c))) {
            throw invalid("CNI_IFNAME '" + ifname + "' is not a Linux interface name", "at most 15 characters, no '/', ':' or whitespace");
        }
        String netns = env.get("CNI_NETNS");
        if (netns == null || netns.isEmpty()) {
            if (!command.equals("DEL")) { // DEL may come after the netns is gone
                throw invalid("CNI_NETNS is not set", "the path of the container's network namespace, e.g. /var/run/netns/NAME");
            }
            netns = null;
        } else if (!command.equals("DEL") && !Files.exists(Path.of(netns))) {
            throw invalid("CNI_NETNS " + netns + " does not exist", "create the network namespace first (ip netns add NAME), or pass the"
                    + " container's /proc/PID/ns/net");
        }
        return new CniEnv(command, id, netns, ifname, cniPath(env));
    }

    private static List<Path> cniPath(Map<String, String> env) {
        String cniPath = env.getOrDefault("CNI_PATH", "");
        return cniPath.isEmpty() ? List.of() : java.util.Arrays.stream(cniPath.split(":")).filter(s -> !s.isEmpty()).map(Path::of).toList();
    }

    /** The environment the IPAM plugin gets for {@code command} on another attachment (GC's DELs of stale ones). */
    CniEnv forAttachment(String command, String containerId, String netns, String ifname) {
        return new CniEnv(command, containerId, netns, ifname, path);
    }

    private static String required(Map<String, String> env, String name) {
        String v = env.get(name);
        if (v == null || v.isEmpty()) {
            throw invalid(name + " is not set", "the runtime sets it; by hand: export " + name + "=...");
        }
        return v;
    }

    private static CniError invalid(String msg, String details) {
        return new CniError(CniError.INVALID_ENV, msg, details);
    }

    /** The plugin binary {@code type} in CNI_PATH (the IPAM plugin), else error 7 saying where it looked. */
    public Path find(String type) {
        if (type.contains("/") || type.isEmpty()) {
            throw new CniError(CniError.INVALID_CONFIG, "ipam.type '" + type + "' is not a plugin name", "a plugin name like host-local or static");
        }
        for (Path dir : path) {
            Path p = dir.resolve(type);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        throw new CniError(CniError.INVALID_CONFIG, "IPAM plugin '" + type + "' is not in CNI_PATH (" + path + ")",
                "install containernetworking-plugins (Debian: /usr/lib/cni) and put its directory in CNI_PATH");
    }
}
