package io.virtwire.provisioner.cli;

import java.nio.file.Path;

/**
 * The options every subcommand shares (-c/--connect, --output, --host-root), filled by picocli through
 * {@link VirtwireCommand}'s inherited options and read by commands through injection.
 * Defaults follow virsh: the URI comes from -c, then LIBVIRT_DEFAULT_URI, then qemu:///system.
 */
public final class GlobalOptions {

    public static final String DEFAULT_URI = "qemu:///system";

    private final Environment environment;
    private String connectUri;
    private OutputFormat output = OutputFormat.text;
    private Path hostRoot;
    private Path stateDir;

    public GlobalOptions(Environment environment) {
        this.environment = environment;
    }

    public String connectUri() {
        if (connectUri != null) {
            return connectUri;
        }
        return environment.get("LIBVIRT_DEFAULT_URI").orElse(DEFAULT_URI);
    }

    public boolean connectUriGiven() {
        return connectUri != null || environment.get("LIBVIRT_DEFAULT_URI").isPresent();
    }

    void connectUri(String uri) {
        this.connectUri = uri;
    }

    public OutputFormat output() {
        return output;
    }

    void output(OutputFormat format) {
        this.output = format;
    }

    public boolean json() {
        return output == OutputFormat.json;
    }

    /** Root under which /sys, /proc, /dev, /etc are read: --host-root, then VIRTWIRE_HOST_ROOT, then /. */
    public Path hostRoot() {
        if (hostRoot != null) {
            return hostRoot;
        }
        return Path.of(environment.get("VIRTWIRE_HOST_ROOT").orElse("/"));
    }

    void hostRoot(Path root) {
        this.hostRoot = root;
    }

    public static final String DEFAULT_STATE_DIR = "/var/lib/virtwire";

    /** Where the allocation record, its lock and the hook log live: --state-dir, then VIRTWIRE_STATE_DIR, then /var/lib/virtwire. */
    public Path stateDir() {
        if (stateDir != null) {
            return stateDir;
        }
        return Path.of(environment.get("VIRTWIRE_STATE_DIR").orElse(DEFAULT_STATE_DIR));
    }

    void stateDir(Path dir) {
        this.stateDir = dir;
    }

    private Path forwarderSocket;

    /** The forwarder's control socket: --forwarder, then VIRTWIRE_FORWARDER_SOCK, then /run/virtwire/forwarder.sock. */
    public Path forwarderSocket() {
        if (forwarderSocket != null) {
            return forwarderSocket;
        }
        return Path.of(environment.get("VIRTWIRE_FORWARDER_SOCK").orElse(io.virtwire.provisioner.forwarder.ForwarderControlClient.DEFAULT_SOCKET));
    }

    void forwarderSocket(Path socket) {
        this.forwarderSocket = socket;
    }

    public Environment environment() {
        return environment;
    }
}
