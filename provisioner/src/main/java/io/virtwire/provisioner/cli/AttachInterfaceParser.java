package io.virtwire.provisioner.cli;

import io.virtwire.provisioner.VirtwireException;
import io.virtwire.provisioner.allocation.AllocationRequest;
import io.virtwire.provisioner.forwarder.ForwarderClient;
import io.virtwire.provisioner.model.MacAddress;
import io.virtwire.provisioner.model.QueueCount;
import io.virtwire.provisioner.model.VlanSpec;
import io.virtwire.provisioner.nic.NicOptions;
import io.virtwire.provisioner.nic.NicRequest;
import io.virtwire.provisioner.nic.NicType;
import java.util.Optional;

/**
 * attach-interface's option rules, apart from picocli: which options go together, virsh's positional forms, and
 * whether virtwire picks the device (an {@link AllocationRequest}) or the user named it (a {@link NicRequest}). Every
 * refusal is an INVALID_INPUT naming the option and the fix, before anything is read.
 */
final class AttachInterfaceParser {

    /** The command line as given: each field is the raw option value, null when absent. */
    static final class Args {
        String domain;
        String typeArgument;
        String sourceArgument;
        String typeOption;
        String vf;
        String pf;
        String pool;
        String trust;
        String spoofchk;
        String parent;
        String dev;
        String source;
        String model;
        String target;
        String alias;
        Boolean managed;
        String mode;
        String queues;
        String mac;
        String vlan;
        boolean fixMemory;
        /** --domain-xml FILE: an offline edit (no DOMAIN). */
        boolean file;
    }

    /**
     * The request: exactly one of {@code allocation} (virtwire picks) and {@code named} is present.
     *
     * @param domain the DOMAIN argument after virsh's positions are sorted out (null with --domain-xml)
     */
    record Parsed(String domain, NicType type, Optional<AllocationRequest> allocation, Optional<NicRequest> named) {
    }

    private AttachInterfaceParser() {
    }

    static Parsed parse(Args a) {
        return parse(a, domain -> {
        });
    }

    /** As above; {@code checkDomain} sees the DOMAIN argument once virsh's positions are sorted out, before any other rule. */
    static Parsed parse(Args a, java.util.function.Consumer<String> checkDomain) {
        String domain = a.domain;
        String typeArgument = a.typeArgument;
        String sourceArgument = a.sourceArgument;
        if (a.file && sourceArgument == null && typeArgument != null && VirshForms.isAttachType(domain)) {
            // "attach-interface TYPE SOURCE --domain-xml FILE": no DOMAIN, so picocli filled the positions one early
            sourceArgument = typeArgument;
            typeArgument = domain;
            domain = null;
        }
        checkDomain.accept(domain);
        NicType type = VirshForms.attachType(typeArgument, a.typeOption);
        // virsh's SOURCE (positional or --source) names the device of any kind; it moves into the kind's own field
        String vf = a.vf;
        String dev = a.dev;
        String source = VirshForms.agree("SOURCE", sourceArgument, "--source", a.source);
        String sourceName = sourceArgument != null ? "SOURCE" : "--source";
        switch (type) {
            case hostdev -> {
                vf = VirshForms.agree(sourceName, source, "--vf", vf);
                source = null;
            }
            case vdpa -> {
                dev = VirshForms.agree(sourceName, source, "--dev", dev);
                source = null;
            }
            case vhostuser -> {
            }
        }
        NicOptions options = NicOptions.of(a.model, a.target, a.alias, a.managed); // refuses bad values itself
        Optional<AllocationRequest> allocation = allocation(a, type, vf, dev, source);
        if (allocation.isPresent()) {
            if (!options.isEmpty()) {
                throw VirtwireException.invalid("--model, --target, --alias and --managed apply to a device you name (SOURCE, --vf, --dev"
                        + " or --source), not yet to one virtwire picks with --pf/--pool or without a source");
            }
            if (a.file) {
                throw VirtwireException.invalid("--domain-xml edits a file that may be meant for another host: name the device"
                        + " (--vf, --dev or --source) instead of letting virtwire pick one here");
            }
            return new Parsed(domain, type, allocation, Optional.empty());
        }
        if (a.trust != null || a.spoofchk != null) {
            throw VirtwireException.invalid("--trust and --spoofchk apply to --type hostdev with --pf or --pool (virtwire sets them on the VF"
                    + " it allocates); with --vf set them with 'ip link set PF vf N trust on' or a host profile");
        }
        if (a.parent != null) {
            throw VirtwireException.invalid("--parent applies to --type vdpa without --dev (virtwire picks a free vhost-vdpa device on it)");
        }
        if (type == NicType.hostdev && vf == null) {
            throw VirtwireException.invalid("--type hostdev needs --vf PCI (a VF you name; or as virsh, positional SOURCE or --source), --pf DEV"
                    + " or --pool NAME (virtwire picks a free VF)");
        }
        NicRequest named = NicRequest.of(type, vf, dev, source, a.mode, a.queues, a.mac, a.vlan, options);
        return new Parsed(domain, type, Optional.empty(), Optional.of(named));
    }

    /** Present when virtwire is to pick the device: --pf/--pool, vdpa without --dev, vhostuser without --source. */
    private static Optional<AllocationRequest> allocation(Args a, NicType type, String vf, String dev, String source) {
        try {
            Optional<MacAddress> m = Optional.ofNullable(a.mac).map(MacAddress::parse);
            Optional<QueueCount> q = Optional.ofNullable(a.queues).map(QueueCount::parse);
            return switch (type) {
                case hostdev -> {
                    if (a.pf == null && a.pool == null) {
                        yield Optional.empty();
                    }
                    if (a.pf != null && a.pool != null || vf != null) {
                        throw VirtwireException.invalid("give one of --vf (a VF you name), --pf or --pool (virtwire picks one), not several");
                    }
                    if (dev != null || source != null || a.parent != null || q.isPresent()) {
                        throw VirtwireException.invalid("--dev, --source, --parent and --queues do not apply to --type hostdev");
                    }
                    Optional<Integer> tag = Optional.ofNullable(a.vlan).map(v -> {
                        VlanSpec spec = NicRequest.parseVlan(v);
                        if (spec.trunk()) {
                            throw VirtwireException.invalid("--vlan '" + v + "' is a trunk: a VF allocated with --pf/--pool takes one access tag"
                                    + " (ip link set PF vf N vlan TAG); trunks need a switchdev representor or --vf with libvirt's <vlan trunk='yes'>");
                        }
                        return spec.tags().getFirst();
                    });
                    yield Optional.of(new AllocationRequest.Vf(Optional.ofNullable(a.pf), Optional.ofNullable(a.pool), m, tag,
                            onOff(a.trust, "--trust"), onOff(a.spoofchk, "--spoofchk")));
                }
                case vdpa -> {
                    if (dev != null) {
                        yield Optional.empty();
                    }
                    refuseWithAllocation(a, vf, "vdpa");
                    yield Optional.of(new AllocationRequest.Vdpa(Optional.ofNullable(a.parent), m, q));
                }
                case vhostuser -> {
                    if (source != null) {
                        yield Optional.empty();
                    }
                    refuseWithAllocation(a, vf, "vhostuser");
                    if (a.parent != null) {
                        throw VirtwireException.invalid("--parent applies to --type vdpa");
                    }
                    if (q.isPresent() && q.get().value() > ForwarderClient.MAX_QUEUES) {
                        throw VirtwireException.invalid("--queues " + q.get().value() + " is more than a virtwire forwarder port serves ("
                                + ForwarderClient.MAX_QUEUES + " queue pairs): give 1.." + ForwarderClient.MAX_QUEUES
                                + ", or --source PATH for a socket another backend serves");
                    }
                    yield Optional.of(new AllocationRequest.VhostUser(NicRequest.parseMode(a.mode), m, q, a.fixMemory));
                }
            };
        } catch (IllegalArgumentException e) {
            throw VirtwireException.invalid(e.getMessage());
        }
    }

    private static void refuseWithAllocation(Args a, String vf, String kind) {
        if (vf != null || a.pf != null || a.pool != null || a.trust != null || a.spoofchk != null) {
            throw VirtwireException.invalid("--vf, --pf, --pool, --trust and --spoofchk apply to --type hostdev, not " + kind);
        }
        if (a.vlan != null) {
            throw VirtwireException.invalid("--vlan applies to --type hostdev (the VF is tagged by the PF); for " + kind
                    + " tag on the backend instead (e.g. the virtwire forwarder port's VLAN)");
        }
    }

    static Optional<Boolean> onOff(String value, String option) {
        if (value == null) {
            return Optional.empty();
        }
        return switch (value) {
            case "on" -> Optional.of(true);
            case "off" -> Optional.of(false);
            default -> throw VirtwireException.invalid("invalid " + option + " '" + value + "': expected on or off");
        };
    }
}
