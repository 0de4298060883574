package io.virtwire.provisioner.cni;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.virtwire.provisioner.VirtwireException;
import io.virtwire.provisioner.allocation.ContainerVfs;
import io.virtwire.provisioner.allocation.Reconciler;
import io.virtwire.provisioner.allocation.VfSettingsWriter;
import io.virtwire.provisioner.host.HostInventory;
import io.virtwire.provisioner.host.PhysicalFunction;
import io.virtwire.provisioner.host.VirtualFunction;
import io.virtwire.provisioner.host.profile.HostActions;
import io.virtwire.provisioner.libvirt.LibvirtGateway;
import io.virtwire.provisioner.model.PciAddress;
import io.virtwire.provisioner.state.Allocation;
import io.virtwire.provisioner.state.AllocationRecord;
import io.virtwire.provisioner.state.ContainerHolder;
import io.virtwire.provisioner.state.StateStore;
import io.virtwire.provisioner.state.VfSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The CNI commands. ADD, DEL and CHECK run under the record's lock, the one VM attaches take, so a VF goes to one
 * holder. ADD records the VF {@code pending} before the host changes and {@code held} after; every step it took is
 * undone, in reverse, when a later one fails, so a failed ADD leaves the host and the record as they were.
 */
public final class CniPlugin {

    /** What to print on stdout and the exit code. */
    public record Outcome(int exit, String stdout) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Map<String, String> environment;

    public CniPlugin(Map<String, String> environment) {
        this.environment = environment;
    }

    public Outcome handle(byte[] stdin) {
        // errors answer in the config's version when it is one we speak
        String version = NetConf.peekVersion(stdin).orElse(NetConf.VERSION);
        try {
            CniEnv env = CniEnv.of(environment);
            if (env.command().equals("VERSION")) {
                return new Outcome(0, version());
            }
            NetConf conf = NetConf.parse(stdin);
            CniHost where = CniHost.open(conf, environment);
            return switch (env.command()) {
                case "ADD" -> new Outcome(0, add(env, conf, where, stdin).toString());
                case "DEL" -> {
                    del(env, conf, where, stdin);
                    yield new Outcome(0, "");
                }
                case "STATUS" -> {
                    CniStatus.status(env, conf, where, stdin);
                    yield new Outcome(0, "");
                }
                case "GC" -> {
                    gc(env, conf, where, stdin);
                    yield new Outcome(0, "");
                }
                default -> {
                    check(env, conf, where, stdin);
                    yield new Outcome(0, "");
                }
            };
        } catch (CniError e) {
            return new Outcome(1, e.toJson(version).toString());
        } catch (VirtwireException e) {
            return new Outcome(1, CniError.of(e, null).toJson(version).toString());
        } catch (RuntimeException e) {
            return new Outcome(1, new CniError(CniError.HOST_FAILED, "virtwire-cni failed: " + e, null).toJson(version).toString());
        }
    }

    private static String version() {
        ObjectNode n = JSON.createObjectNode();
        n.put("cniVersion", NetConf.LATEST);
        NetConf.SUPPORTED.forEach(n.putArray("supportedVersions")::add);
        return n.toString();
    }

    private static Optional<Allocation> entry(AllocationRecord record, String containerId, String ifname) {
        return record.allocations().stream().filter(a -> a.containerHolder() && a.container().containerId().equals(containerId)
                && a.container().ifname().equals(ifname)).findFirst();
    }

    // ------------------------------------------------------------------------------------------------------ ADD

    private ObjectNode add(CniEnv env, NetConf conf, CniHost where, byte[] config) {
        Optional<Path> ipam = conf.ipamType().map(env::find); // before anything changes
        HostActions actions = where.host().actions();
        try (StateStore.Session session = where.store().open(where.lockTimeout())) {
            Optional<Allocation> existing = entry(session.record(), env.containerId(), env.ifname());
            if (existing.isPresent()) {
                throw new CniError(CniError.ALREADY_ADDED, "container " + env.containerId() + " already has " + env.ifname() + " (VF "
                        + existing.get().device() + ")", "DEL it first; a runtime calls ADD once per container and interface");
            }
            HostInventory inventory = where.host().inventory();
            Reconciler.Result rec = Reconciler.reconcileContainers(actions, session.record(), inventory, true);
            if (!rec.changes().isEmpty()) {
                session.save(rec.record());
                inventory = where.host().inventory();
            }
            ContainerVfs.Pick picked = pick(conf, where, inventory, session.record()); // refuses an unknown PF or pool
            PhysicalFunction pf = picked.pf();
            VirtualFunction vf = picked.vf();
            if (pf.netdev() == null) {
                throw new CniError(CniError.UNKNOWN_PF, "PF " + pf.address() + " has no netdev to configure its VFs through", "bind it to its kernel driver");
            }
            boolean netdev = conf.mode().equals(ContainerHolder.NETDEV);
            VfSettings previous = VfSettings.of(vf);
            VfSettings settings = new VfSettings(conf.mac() != null ? conf.mac().toString() : previous.mac(), conf.vlan() != null ? conf.vlan()
                    : previous.vlan(), conf.trust() != null ? conf.trust() : previous.trust(), conf.spoofchk() != null ? conf.spoofchk() : previous.spoofchk());
            ContainerHolder holder = new ContainerHolder(env.containerId(), env.netns(), env.ifname(), conf.mode(), netdev ? vf.netdev() : null,
                    netdev ? null : vf.driver(), conf.name());
            Allocation pending = new Allocation(Allocation.CONTAINER, vf.address(), ContainerHolder.holderName(env.containerId()), Allocation.PENDING,
                    pf.address(), pf.netdev(), vf.index(), settings, previous, conf.mac() == null ? null : conf.mac().toString(),
                    ProcessHandle.current().pid(), holder);
            session.save(session.record().with(pending));
            Deque<Runnable> undo = new ArrayDeque<>();
            undo.push(() -> session.save(session.record().without(vf.address())));
            try {
                VfSettingsWriter.apply(actions, pf.netdev(), vf.index(), previous, settings);
                undo.push(() -> VfSettingsWriter.apply(actions, pf.netdev(), vf.index(), settings, previous));
                ObjectNode result = netdev ? addNetdev(env, conf, vf, ipam, config, undo) : addVfio(env, conf, actions, vf, undo);
                session.save(session.record().with(pending.held(pending.domain())));
                return result;
            } catch (RuntimeException e) {
                List<String> failed = new ArrayList<>();
                while (!undo.isEmpty()) {
                    try {
                        undo.pop().run();
                    } catch (RuntimeException u) {
                        failed.add(u.getMessage());
                    }
                }
                if (!failed.isEmpty()) {
                    throw new CniError(CniError.HOST_FAILED, e.getMessage() + "; undoing the ADD also failed: " + String.join("; ", failed), null);
                }
                throw e;
            }
        }
    }

    /** From {@code pf}, or from {@code pool}: a libvirt hostdev network, resolved as {@code attach-interface --pool} does. */
    static ContainerVfs.Pick pick(NetConf conf, CniHost where, HostInventory inventory, AllocationRecord record) {
        if (conf.pool() == null) {
            return ContainerVfs.fromPf(inventory, record, conf.pf(), conf.mode());
        }
        try (LibvirtGateway gateway = where.libvirt()) {
            return ContainerVfs.fromPool(gateway, inventory, record, conf.pool(), conf.mode());
        }
    }

    private static ObjectNode addNetdev(CniEnv env, NetConf conf, VirtualFunction vf, Optional<Path> ipam, byte[] config, Deque<Runnable> undo) {
        String netns = env.netns();
        Netns.moveIn(vf.netdev(), netns, env.ifname());
        undo.push(() -> Netns.moveOut(netns, env.ifname(), vf.netdev()));
        if (conf.mac() != null) {
            Netns.setMac(netns, env.ifname(), conf.mac().toString());
        }
        ObjectNode result = JSON.createObjectNode();
        result.put("cniVersion", conf.cniVersion());
        JsonNode ipamResult = null;
        if (ipam.isPresent()) {
            ipamResult = Ipam.run(ipam.get(), "ADD", env, config);
            undo.push(() -> Ipam.run(ipam.get(), "DEL", env, config));
        }
        Netns.up(netns, env.ifname());
        JsonNode link = Netns.link(netns, env.ifname()).orElseThrow(() -> new CniError(CniError.HOST_FAILED,
                env.ifname() + " is not in " + netns + " after the move", null));
        ArrayNode interfaces = result.putArray("interfaces");
        ObjectNode iface = interfaces.addObject();
        iface.put("name", env.ifname());
        iface.put("mac", link.path("address").asText());
        iface.put("sandbox", netns);
        iface.put("pciID", vf.address());
        if (ipamResult != null) {
            ArrayNode ips = result.putArray("ips");
            for (JsonNode ip : ipamResult.path("ips")) {
                Netns.addAddress(netns, env.ifname(), ip.path("address").asText());
                ObjectNode o = ip.deepCopy();
                o.put("interface", 0);
                ips.add(o);
            }
            ArrayNode routes = result.putArray("routes");
            for (JsonNode r : ipamResult.path("routes")) {
                Netns.addRoute(netns, env.ifname(), r.path("dst").asText(), gateway(r, ipamResult));
                routes.add(r.deepCopy());
            }
            if (ipamResult.has("dns")) {
                result.set("dns", ipamResult.get("dns").deepCopy());
            }
        }
        return result;
    }

    /**
     * A route's gateway: its own {@code gw}, else (CNI: "a default gateway is assumed") the gateway of the result's
     * first address of the route's family, as the reference plugins' ipam.ConfigureIface does; null: on-link.
     */
    private static String gateway(JsonNode route, JsonNode result) {
        if (route.hasNonNull("gw")) {
            return route.get("gw").asText();
        }
        boolean v6 = route.path("dst").asText().contains(":");
        for (JsonNode ip : result.path("ips")) {
            if (ip.hasNonNull("gateway") && ip.path("address").asText().contains(":") == v6) {
                return ip.get("gateway").asText();
            }
        }
        return null;
    }

    private static ObjectNode addVfio(CniEnv env, NetConf conf, HostActions actions, VirtualFunction vf, Deque<Runnable> undo) {
        PciAddress addr = PciAddress.parse(vf.address());
        String before = vf.driver();
        undo.push(() -> {
            if (before == null || !before.equals("vfio-pci")) {
                try {
                    actions.unbind(addr);
                } catch (RuntimeException notBound) {
                    // the bind to vfio-pci may not have happened
                }
                actions.overrideDriver(addr, null);
                if (before != null) {
                    actions.probe(addr);
                }
            }
        });
        if (!"vfio-pci".equals(before)) {
            actions.overrideDriver(addr, "vfio-pci");
            if (before != null) {
                actions.unbind(addr);
            }
            actions.probe(addr);
        }
        ObjectNode result = JSON.createObjectNode();
        result.put("cniVersion", conf.cniVersion());
        ObjectNode iface = result.putArray("interfaces").addObject();
        iface.put("name", env.ifname());
        iface.put("sandbox", env.netns());
        iface.put("pciID", vf.address());
        ObjectNode dev = result.putObject("virtwire");
        dev.put("mode", ContainerHolder.VFIO);
        dev.put("pciAddress", vf.address());
        dev.put("vfioDevice", "/dev/vfio/" + vf.iommuGroup());
        dev.put("iommuGroup", vf.iommuGroup());
        return result;
    }

    // ------------------------------------------------------------------------------------------------------ DEL

    private void del(CniEnv env, NetConf conf, CniHost where, byte[] config) {
        try (StateStore.Session session = where.store().open(where.lockTimeout())) {
            Optional<Allocation> found = entry(session.record(), env.containerId(), env.ifname());
            if (found.isEmpty()) {
                return; // never added, or already deleted: DEL is idempotent and changes nothing
            }
            release(session, found.get(), conf, env, where, config);
        }
    }

    /**
     * What DEL does to one container entry (GC too, for each stale one): the netdev back to the host under its name
     * (when its netns and link still exist), the IPAM plugin's DEL with {@code ipamEnv}, the VF's settings and driver
     * restored, the entry dropped. A failed restore keeps the entry, so a later DEL or GC can finish it.
     */
    private static void release(StateStore.Session session, Allocation a, NetConf conf, CniEnv ipamEnv, CniHost where, byte[] config) {
        ContainerHolder c = a.container();
        if (c.mode().equals(ContainerHolder.NETDEV)) {
            String netns = c.netns();
            if (Files.exists(Path.of(netns)) && Netns.link(netns, c.ifname()).isPresent()) {
                Netns.moveOut(netns, c.ifname(), c.hostNetdev());
            }
            Optional<Path> ipam = conf.ipamType().map(ipamEnv::find);
            if (ipam.isPresent()) {
                Ipam.run(ipam.get(), "DEL", ipamEnv, config);
            }
        }
        String restored = ContainerVfs.restore(where.host().actions(), where.host().inventory(), a);
        if (restored.contains("failed")) {
            throw new CniError(CniError.HOST_FAILED, "DEL of " + a.device() + " for container " + c.containerId() + ": " + restored,
                    "the record keeps the VF; DEL again once the cause is fixed");
        }
        session.save(session.record().without(a.device()));
    }

    // ------------------------------------------------------------------------------------------------------ GC

    /**
     * CNI 1.1 GC: frees, as DEL would, every container entry of this network ({@code name}) whose attachment
     * (container id, ifname) is not in {@code cni.dev/valid-attachments}; entries of other networks, of VMs and of an
     * older virtwire (no network recorded) are left alone. Then the IPAM plugin's GC, when it speaks 1.1.0. A release
     * that fails does not stop the others; the error lists it.
     */
    private void gc(CniEnv env, NetConf conf, CniHost where, byte[] config) {
        java.util.Set<String> valid = conf.validAttachments();
        Optional<Path> ipam = conf.ipamType().map(env::find);
        List<String> failed = new ArrayList<>();
        try (StateStore.Session session = where.store().open(where.lockTimeout())) {
            List<Allocation> stale = session.record().allocations().stream().filter(a -> a.containerHolder()
                    && conf.name().equals(a.container().network())
                    && !valid.contains(a.container().containerId() + "/" + a.container().ifname())).toList();
            for (Allocation a : stale) {
                ContainerHolder c = a.container();
                try {
                    release(session, a, conf, env.forAttachment("DEL", c.containerId(), c.netns(), c.ifname()), where, config);
                } catch (CniError e) {
                    failed.add(e.getMessage());
                }
            }
        }
        if (ipam.isPresent() && Ipam.supports(ipam.get(), NetConf.LATEST)) {
            Ipam.run(ipam.get(), "GC", env, config);
        }
        if (!failed.isEmpty()) {
            throw new CniError(CniError.HOST_FAILED, "GC of network " + conf.name() + ": " + String.join("; ", failed), null);
        }
    }

    // ------------------------------------------------------------------------------------------------------ CHECK

    /** The prevResult routes the netns lacks on the interface (CNI CHECK: the result's routes must be in place). */
    private static List<String> missingRoutes(CniEnv env, JsonNode prevResult) {
        List<String> missing = new ArrayList<>();
        JsonNode routes = prevResult.path("routes");
        if (!routes.isArray() || routes.isEmpty()) {
            return missing;
        }
        List<Routes.Route> have = Netns.routes(env.netns());
        for (JsonNode r : routes) {
            Routes.Route want = Routes.ofResult(r);
            if (Routes.find(have, want, env.ifname()).isEmpty()) {
                missing.add(env.ifname() + " lacks route " + want + " (netns has " + have.stream().filter(h -> env.ifname().equals(h.dev()))
                        .map(Routes.Route::toString).toList() + ")");
            }
        }
        return missing;
    }

    private void check(CniEnv env, NetConf conf, CniHost where, byte[] config) {
        if (conf.prevResult() == null || !conf.prevResult().isObject()) {
            throw new CniError(CniError.INVALID_CONFIG, "network configuration: CHECK needs 'prevResult' (the ADD's result)", null);
        }
        AllocationRecord record;
        try (StateStore.Session session = where.store().openForReading(where.lockTimeout())) {
            record = session.record();
        }
        Allocation a = entry(record, env.containerId(), env.ifname()).orElseThrow(() -> new CniError(CniError.CHECK_FAILED,
                "no VF was added for container " + env.containerId() + " as " + env.ifname(), "the allocation record " + where.store().recordFile()
                + " has no such container holder"));
        ContainerHolder c = a.container();
        List<String> wrong = new ArrayList<>();
        if (!c.netns().equals(env.netns())) {
            wrong.add("the VF was added to netns " + c.netns() + ", not " + env.netns());
        }
        VirtualFunction vf = Reconciler.findVf(where.host().inventory(), a.device()).orElse(null);
        if (vf == null) {
            wrong.add("VF " + a.device() + " is gone from the host");
        } else {
            VfSettings now = VfSettings.of(vf);
            VfSettings want = a.settings();
            if (want != null && (!now.mac().equalsIgnoreCase(want.mac()) || now.vlan() != want.vlan()
                    || (want.trust() != null && !want.trust().equals(now.trust())) || (want.spoofchk() != null && !want.spoofchk().equals(now.spoofchk())))) {
                wrong.add("VF " + a.device() + " has " + now + " on its PF, ADD set " + want);
            }
            if (c.mode().equals(ContainerHolder.VFIO) && !"vfio-pci".equals(vf.driver())) {
                wrong.add("VF " + a.device() + " is on driver " + vf.driver() + ", not vfio-pci");
            }
        }
        if (c.mode().equals(ContainerHolder.NETDEV)) {
            Optional<JsonNode> link = Files.exists(Path.of(env.netns())) ? Netns.link(env.netns(), env.ifname()) : Optional.empty();
            if (link.isEmpty()) {
                wrong.add(env.ifname() + " is not in netns " + env.netns());
            } else {
                if (a.mac() != null && !a.mac().equalsIgnoreCase(link.get().path("address").asText())) {
                    wrong.add(env.ifname() + " has MAC " + link.get().path("address").asText() + ", not " + a.mac());
                }
                List<String> have = new ArrayList<>();
                for (JsonNode ai : link.get().path("addr_info")) {
                    have.add(ai.path("local").asText() + "/" + ai.path("prefixlen").asText());
                }
                for (JsonNode ip : conf.prevResult().path("ips")) {
                    if (!have.contains(ip.path("address").asText())) {
                        wrong.add(env.ifname() + " lacks address " + ip.path("address").asText() + " (has " + have + ")");
                    }
                }
                wrong.addAll(missingRoutes(env, conf.prevResult()));
            }
            if (wrong.isEmpty() && conf.ipamType().isPresent()) {
                Ipam.run(env.find(conf.ipamType().get()), "CHECK", env, config);
            }
        }
        if (!wrong.isEmpty()) {
            throw new CniError(CniError.CHECK_FAILED, "CHECK of container " + env.containerId() + " " + env.ifname() + ": " + String.join("; ", wrong), null);
        }
    }
}
