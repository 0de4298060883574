package io.virtwire.provisioner.nic;

import io.virtwire.provisioner.VirtwireException;
import io.virtwire.provisioner.libvirt.xml.GuestInterface;
import io.virtwire.provisioner.libvirt.xml.HostdevInterface;
import io.virtwire.provisioner.libvirt.xml.VdpaInterface;
import io.virtwire.provisioner.libvirt.xml.VhostUserInterface;
import io.virtwire.provisioner.model.MacAddress;
import io.virtwire.provisioner.model.PciAddress;
import io.virtwire.provisioner.model.QueueCount;
import io.virtwire.provisioner.model.UnixSocketPath;
import io.virtwire.provisioner.model.VlanSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One NIC to attach, as the user asked for it, validated: every value is checked here, before anything
 * is read from or written to libvirt, so bad input changes nothing.
 */
public sealed interface NicRequest {

    NicType type();

    Optional<MacAddress> mac();

    /** The libvirt interface for this request with {@code mac} as its address. */
    GuestInterface toInterface(MacAddress mac);

    record Hostdev(PciAddress vf, Optional<MacAddress> mac, Optional<VlanSpec> vlan, NicOptions options) implements NicRequest {
        public Hostdev(PciAddress vf, Optional<MacAddress> mac, Optional<VlanSpec> vlan) {
            this(vf, mac, vlan, NicOptions.NONE);
        }

        public NicType type() {
            return NicType.hostdev;
        }

        public GuestInterface toInterface(MacAddress m) {
            HostdevInterface i = HostdevInterface.of(m, vf);
            return options.applyTo(vlan.map(i::withVlan).orElse(i));
        }
    }

    record Vdpa(String device, Optional<MacAddress> mac, Optional<QueueCount> queues, NicOptions options) implements NicRequest {
        /** vhost-vdpa character devices are always /dev/vhost-vdpa-N. */
        static final Pattern DEVICE = Pattern.compile("/dev/vhost-vdpa-\\d{1,5}");

        public Vdpa {
            if (!DEVICE.matcher(device).matches()) {
                throw VirtwireException.invalid("invalid vDPA device '" + device + "': expected /dev/vhost-vdpa-N"
                        + " (list them with 'vdpa dev show' or 'virtwire host show')");
            }
        }

        public Vdpa(String device, Optional<MacAddress> mac, Optional<QueueCount> queues) {
            this(device, mac, queues, NicOptions.NONE);
        }

        public NicType type() {
            return NicType.vdpa;
        }

        public GuestInterface toInterface(MacAddress m) {
            return options.applyTo(VdpaInterface.of(m, device, queues.orElse(null)));
        }
    }

    record VhostUser(UnixSocketPath socket, VhostUserInterface.Mode mode, Optional<MacAddress> mac, Optional<QueueCount> queues,
                     Optional<Integer> reconnectSeconds, NicOptions options) implements NicRequest {
        public VhostUser(UnixSocketPath socket, VhostUserInterface.Mode mode, Optional<MacAddress> mac, Optional<QueueCount> queues,
                         Optional<Integer> reconnectSeconds) {
            this(socket, mode, mac, queues, reconnectSeconds, NicOptions.NONE);
        }

        public NicType type() {
            return NicType.vhostuser;
        }

        public GuestInterface toInterface(MacAddress m) {
            VhostUserInterface i = VhostUserInterface.of(m, socket, mode, queues.orElse(null));
            return options.applyTo(reconnectSeconds.map(i::withReconnect).orElse(i));
        }
    }

    /** The QEMU-client default: QEMU reconnects to a restarted backend after this many seconds. */
    int DEFAULT_RECONNECT_SECONDS = 5;

    /**
     * Builds a request from CLI-shaped strings; each bad value becomes an INVALID_INPUT error that names
     * the value and the rule.
     */
    static NicRequest of(NicType type, String vf, String vdpaDevice, String socket, String mode, String queues, String mac, String vlan) {
        return of(type, vf, vdpaDevice, socket, mode, queues, mac, vlan, NicOptions.NONE);
    }

    /** As above, with virsh's --model/--target/--alias/--managed decorations. */
    static NicRequest of(NicType type, String vf, String vdpaDevice, String socket, String mode, String queues, String mac, String vlan,
                         NicOptions options) {
        options.check(type);
        try {
            Optional<MacAddress> m = Optional.ofNullable(mac).map(MacAddress::parse);
            Optional<QueueCount> q = Optional.ofNullable(queues).map(QueueCount::parse);
            return switch (type) {
                case hostdev -> {
                    require(vf, "--vf", "hostdev", "the VF's PCI address, e.g. --vf 0000:07:10.1");
                    refuse(vdpaDevice, "--dev", "hostdev");
                    refuse(socket, "--source", "hostdev");
                    if (q.isPresent()) {
                        throw VirtwireException.invalid("--queues does not apply to --type hostdev: a VF's queue count is set by its driver in the guest");
                    }
                    yield new Hostdev(PciAddress.parse(vf), m, Optional.ofNullable(vlan).map(NicRequest::parseVlan), options);
                }
                case vdpa -> {
                    require(vdpaDevice, "--dev", "vdpa", "the vhost-vdpa device, e.g. --dev /dev/vhost-vdpa-0");
                    refuse(vf, "--vf", "vdpa");
                    refuse(socket, "--source", "vdpa");
                    refuseVlan(vlan, "vdpa");
                    yield new Vdpa(vdpaDevice, m, q, options);
                }
                case vhostuser -> {
                    require(socket, "--source", "vhostuser", "the socket path, e.g. --source /run/virtwire/vm1-net0.sock");
                    refuse(vf, "--vf", "vhostuser");
                    refuse(vdpaDevice, "--dev", "vhostuser");
                    refuseVlan(vlan, "vhostuser");
                    VhostUserInterface.Mode md = parseMode(mode);
                    yield new VhostUser(new UnixSocketPath(socket), md, m, q,
                            md == VhostUserInterface.Mode.CLIENT ? Optional.of(DEFAULT_RECONNECT_SECONDS) : Optional.empty(), options);
                }
            };
        } catch (IllegalArgumentException e) {
            throw VirtwireException.invalid(e.getMessage());
        }
    }

    private static void require(String value, String option, String type, String what) {
        if (value == null) {
            throw VirtwireException.invalid("--type " + type + " needs " + option + ": " + what);
        }
    }

    private static void refuse(String value, String option, String type) {
        if (value != null) {
            throw VirtwireException.invalid(option + " does not apply to --type " + type);
        }
    }

    private static void refuseVlan(String vlan, String type) {
        if (vlan != null) {
            throw VirtwireException.invalid("--vlan applies to --type hostdev (the VF is tagged by the PF); for " + type
                    + " tag on the backend instead (e.g. the virtwire forwarder port's VLAN)");
        }
    }

    public static VhostUserInterface.Mode parseMode(String mode) {
        if (mode == null || mode.equals("client")) {
            return VhostUserInterface.Mode.CLIENT;
        }
        if (mode.equals("server")) {
            return VhostUserInterface.Mode.SERVER;
        }
        throw VirtwireException.invalid("invalid --mode '" + mode + "': expected client (QEMU connects to the backend, the default)"
                + " or server (QEMU listens)");
    }

    /** "10" is an access VLAN; "10,20,30" a trunk carrying those tags. */
    public static VlanSpec parseVlan(String text) {
        List<Integer> tags = new ArrayList<>();
        for (String part : text.split(",", -1)) {
            try {
                tags.add(Integer.parseInt(part.strip()));
            } catch (NumberFormatException e) {
                throw VirtwireException.invalid("invalid VLAN '" + text + "': expected TAG or TAG,TAG,... with tags 0-" + VlanSpec.MAX_TAG);
            }
        }
        try {
            return tags.size() == 1 ? VlanSpec.access(tags.get(0)) : VlanSpec.trunk(tags);
        } catch (IllegalArgumentException e) {
            throw VirtwireException.invalid(e.getMessage());
        }
    }
}
