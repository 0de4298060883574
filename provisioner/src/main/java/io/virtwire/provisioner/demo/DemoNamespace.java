package io.virtwire.provisioner.demo;

import io.virtwire.provisioner.VirtwireException;
import io.virtwire.provisioner.host.ProcessCommandRunner;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The demo's "host on the network": a network namespace holding one end of a veth pair with an address; the other
 * end stays in the root namespace, without an address, and becomes the forwarder's AF_PACKET port.
 */
public final class DemoNamespace {

    public static final String NETNS = "vw-demo-host";
    /** The veth end the forwarder's AF_PACKET port opens (root namespace). */
    public static final String OUTER = "vw-demo-br";
    /** The veth end inside the namespace. */
    public static final String INNER = "vw-demo-ns";

    private final String address;
    private final PrintWriter out;

    public DemoNamespace(String address, PrintWriter out) {
        this.address = address;
        this.out = out;
    }

    /** Refuses to touch a namespace or link of that name that is already there (another demo, or a killed one). */
    public void checkAbsent() {
        if (ProcessCommandRunner.execute(List.of("ip", "netns", "list"), Duration.ofSeconds(10)).output().lines().anyMatch(l -> l.split(" ")[0].equals(NETNS))) {
            throw VirtwireException.conflict("network namespace " + NETNS + " exists already (another demo running, or one that was"
                    + " killed): remove it with 'ip netns del " + NETNS + "' and run the demo again");
        }
        if (ProcessCommandRunner.execute(List.of("ip", "link", "show", OUTER), Duration.ofSeconds(10)).ok()) {
            throw VirtwireException.conflict("interface " + OUTER + " exists already (another demo running, or one that was"
                    + " killed): remove it with 'ip link del " + OUTER + "' and run the demo again");
        }
    }

    /** Creates the namespace and the veth pair; registers their removal with {@code cleanup} as soon as they exist. */
    public void create(DemoCleanup cleanup) {
        run("ip", "netns", "add", NETNS);
        cleanup.add("ip netns del " + NETNS, () -> quiet("ip", "netns", "del", NETNS));
        run("ip", "link", "add", OUTER, "type", "veth", "peer", "name", INNER);
        cleanup.add("ip link del " + OUTER + "   # removes its peer " + INNER + " too", () -> quiet("ip", "link", "del", OUTER));
        run("ip", "link", "set", INNER, "netns", NETNS);
        run("ip", "-n", NETNS, "addr", "add", address, "dev", INNER);
        run("ip", "-n", NETNS, "link", "set", INNER, "up");
        run("ip", "-n", NETNS, "link", "set", "lo", "up");
        run("ip", "link", "set", OUTER, "up");
    }

    private void run(String... command) {
        List<String> c = List.of(command);
        out.println("$ " + ProcessCommandRunner.line(c));
        out.flush();
        ProcessCommandRunner.Result r = ProcessCommandRunner.execute(c, Duration.ofSeconds(20));
        if (!r.ok()) {
            throw new VirtwireException(VirtwireException.Kind.HOST, ProcessCommandRunner.line(c) + " failed (exit " + r.exit() + "): " + r.output());
        }
    }

    private static void quiet(String... command) {
        ProcessCommandRunner.execute(new ArrayList<>(List.of(command)), Duration.ofSeconds(20));
    }
}
