package io.virtwire.provisioner.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.virtwire.provisioner.VirtwireException;
import io.virtwire.provisioner.forwarder.PortSpec;
import jakarta.inject.Inject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.List;

@Command(name = "add", mixinStandardHelpOptions = true,
        description = "Add a port to the forwarder: a vhost-user socket for a guest, a TAP interface, or a host interface through AF_PACKET.")
public final class ForwarderPortAddCommand implements Runnable {

    @Parameters(index = "0", paramLabel = "NAME", description = "port name: 1..64 letters, digits, '_', '.', ':', '-'")
    String name;

    @Option(names = "--type", paramLabel = "TYPE", description = "vhostuser (default), tap, or afpacket")
    String type = "vhostuser";

    @Option(names = "--socket", paramLabel = "PATH", description = "vhostuser: the UNIX socket (absolute path)")
    String socket;

    @Option(names = "--mode", paramLabel = "MODE", description = "vhostuser: server (the forwarder listens; libvirt <source mode='client'>, default)"
            + " or client (QEMU listens; libvirt <source mode='server'>)")
    String mode;

    @Option(names = "--queues", paramLabel = "N", description = "vhostuser: queue pairs; afpacket: fanout sockets; 1..128 (default 1)")
    Integer queues;

    @Option(names = "--ifname", paramLabel = "IF", description = "tap: the TAP interface (created if missing); afpacket: an existing host interface")
    String ifname;

    @Option(names = "--vlan", paramLabel = "TAG", description = "access port on VLAN TAG (1..4094; default: access VLAN 1)")
    Integer vlan;

    @Option(names = "--trunk", paramLabel = "TAGS", split = ",", description = "trunk port carrying these VLANs (comma-separated, 1..4094)")
    List<Integer> trunk;

    @Option(names = "--native", paramLabel = "TAG", description = "with --trunk: untagged frames belong to VLAN TAG")
    Integer nativeVlan;

    @Option(names = "--mtu", paramLabel = "N", description = "largest frame payload, 68..9000 (default 1500)")
    Integer mtu;

    @Option(names = "--offloads", description = "carry checksum/TSO offloads on this port (virtio-net header, IFF_VNET_HDR,"
            + " PACKET_VNET_HDR); frames to ports without them are completed or segmented in software (default: off)")
    boolean offloads;

    private final ForwarderControlFactory controls;
    private final Output output;

    @Inject
    ForwarderPortAddCommand(ForwarderControlFactory controls, Output output) {
        this.controls = controls;
        this.output = output;
    }

    @Override
    public void run() {
        PortSpec spec = spec();
        JsonNode result = controls.open().portAdd(spec);
        // the forwarder (root) made the socket with its umask: QEMU's user must be able to connect
        String problem = spec.socket() != null && !"client".equals(spec.mode())
                ? io.virtwire.provisioner.forwarder.QemuSocketAccess.openSocket(java.nio.file.Path.of(spec.socket())) : null;
        output.emit(result, out -> out.println("added port " + ForwarderText.describe(result.path("port"))));
        if (problem != null) {
            output.err().println("virtwire: warning: " + problem);
        }
    }

    PortSpec spec() {
        String t = switch (type) {
            case "vhostuser", "vhost-user" -> PortSpec.VHOST_USER;
            case "tap" -> PortSpec.TAP;
            case "afpacket", "af-packet" -> PortSpec.AF_PACKET;
            default -> throw VirtwireException.invalid("--type '" + type + "' is not one of vhostuser, tap, afpacket");
        };
        if (vlan != null && trunk != null) {
            throw VirtwireException.invalid("--vlan (access port) and --trunk (trunk port) exclude each other; give one");
        }
        if (nativeVlan != null && trunk == null) {
            throw VirtwireException.invalid("--native " + nativeVlan + " needs --trunk TAGS: only trunk ports have a native VLAN");
        }
        PortSpec.Vlan v = vlan != null ? PortSpec.Vlan.access(vlan)
                : trunk != null ? PortSpec.Vlan.trunk(new ArrayList<>(trunk), nativeVlan) : null;
        if (t.equals(PortSpec.VHOST_USER) && ifname != null) {
            throw VirtwireException.invalid("--ifname is for --type tap and afpacket; a vhostuser port takes --socket PATH");
        }
        return new PortSpec(name, t, socket, mode, queues, null, ifname, mtu, v, offloads ? Boolean.TRUE : null);
    }
}
