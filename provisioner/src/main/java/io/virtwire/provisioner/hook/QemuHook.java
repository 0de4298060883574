package io.virtwire.provisioner.hook;

import io.virtwire.provisioner.VirtwireException;
import io.virtwire.provisioner.allocation.Reconciler;
import io.virtwire.provisioner.allocation.VfSettingsWriter;
import io.virtwire.provisioner.forwarder.ForwarderClient;
import io.virtwire.provisioner.host.HostInventory;
import io.virtwire.provisioner.host.VirtualFunction;
import io.virtwire.provisioner.host.profile.HostAccess;
import io.virtwire.provisioner.libvirt.xml.DomainXml;
import io.virtwire.provisioner.libvirt.xml.GuestInterface;
import io.virtwire.provisioner.libvirt.xml.HostdevInterface;
import io.virtwire.provisioner.libvirt.xml.VhostUserInterface;
import io.virtwire.provisioner.model.PciAddress;
import io.virtwire.provisioner.state.Allocation;
import io.virtwire.provisioner.state.AllocationRecord;
import io.virtwire.provisioner.state.HookLog;
import io.virtwire.provisioner.state.StateStore;
import io.virtwire.provisioner.state.VfSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What libvirt's qemu hook does for virtwire ({@code /etc/libvirt/hooks/qemu.d/virtwire DOMAIN OP SUBOP EXTRA}, the
 * domain XML on stdin). It never calls the libvirt API (libvirtd waits for the hook, a call back deadlocks); it works
 * from the XML it is given, the allocation record and the host.
 * <ul>
 *   <li>{@code prepare}: before QEMU starts. Re-applies the recorded MAC/VLAN/trust/spoofchk of each VF the domain's XML
 *       holds (a host reboot or PF reset loses them), binds vfio-pci for {@code managed='no'} VFs, and registers the
 *       domain's vhost-user sockets with the forwarder, each with the queue pairs its {@code <driver queues>} asks
 *       for (QEMU would not start a device with more pairs than the backend has). A failure exits non-zero, which makes libvirt abort the start:
 *       a guest on a VF without its VLAN would be on the wrong network.</li>
 *   <li>{@code release}: after the domain stopped and libvirt released everything. Removes its forwarder ports;
 *       when the domain is transient (no persistent definition under /etc/libvirt/qemu) its allocations are freed
 *       and the VFs' previous settings restored. A persistent domain keeps its VFs: its definition still holds them.</li>
 *   <li>{@code start, started, stopped, migrate, restore, reconnect, attach}: nothing to do (exit 0). migrate and
 *       restore are XML filters: the hook prints nothing, which libvirt reads as "unchanged".</li>
 * </ul>
 */
public final class QemuHook {

    public static final Set<String> IGNORED = Set.of("start", "started", "stopped", "migrate", "restore", "reconnect", "attach");
    public static final Set<String> HANDLED = Set.of("prepare", "release");

    /** What the hook did, for tests and the log. */
    public record Outcome(String domain, String operation, List<String> actions) {
    }

    private final HostAccess host;
    private final StateStore store;
    private final ForwarderClient forwarder;
    private final Path socketDir;
    private final Duration lockTimeout;
    private final HookLog log;

    public QemuHook(HostAccess host, StateStore store, ForwarderClient forwarder, Path socketDir, Duration lockTimeout, HookLog log) {
        this.host = host;
        this.store = store;
        this.forwarder = forwarder;
        this.socketDir = socketDir;
        this.lockTimeout = lockTimeout;
        this.log = log;
    }

    public Outcome run(String domain, String op, String subOp, String domainXml) {
        if (IGNORED.contains(op)) {
            log.line(domain + " " + op + " " + subOp + ": nothing to do", "domain", domain, "op", op);
            return new Outcome(domain, op, List.of());
        }
        if (!HANDLED.contains(op)) {
            String msg = "unknown qemu hook operation '" + op + "' for domain '" + domain + "': virtwire handles prepare and release and"
                    + " ignores " + String.join(", ", IGNORED.stream().sorted().toList()) + " (see libvirt's hooks documentation)";
            log.error(msg, "domain", domain, "op", op);
            throw VirtwireException.invalid(msg);
        }
        DomainXml xml;
        try {
            xml = DomainXml.parse(domainXml);
        } catch (IllegalArgumentException e) {
            String msg = domain + " " + op + ": the domain XML on stdin is not a libvirt domain: " + e.getMessage();
            log.error(msg, "domain", domain, "op", op);
            throw VirtwireException.invalid(msg);
        }
        List<String> actions = new ArrayList<>();
        try (StateStore.Session session = store.open(lockTimeout)) {
            if (op.equals("prepare")) {
                prepare(domain, xml, session, actions);
            } else {
                release(domain, session, actions);
            }
        } catch (RuntimeException e) {
            actions.forEach(a -> log.line(domain + " " + op + ": " + a, "domain", domain, "op", op));
            log.error(domain + " " + op + ": FAILED: " + e.getMessage(), "domain", domain, "op", op);
            throw e;
        }
        if (actions.isEmpty()) {
            actions.add("nothing of virtwire's in this domain");
        }
        actions.forEach(a -> log.line(domain + " " + op + ": " + a, "domain", domain, "op", op));
        return new Outcome(domain, op, actions);
    }

    private void prepare(String domain, DomainXml xml, StateStore.Session session, List<String> actions) {
        HostInventory inventory = host.inventory();
        for (GuestInterface i : xml.interfaces()) {
            if (i instanceof HostdevInterface h) {
                String vf = h.vf().toString();
                Optional<Allocation> a = session.record().find(vf);
                if (a.isPresent() && a.get().hostdev() && a.get().settings() != null) {
                    Optional<VirtualFunction> now = Reconciler.findVf(inventory, vf);
                    if (now.isEmpty()) {
                        throw new VirtwireException(VirtwireException.Kind.HOST, "VF " + vf + " of '" + domain + "' is not on this host"
                                + " (sriov_numvfs reset? see 'virtwire host show'); refusing to start the domain on a VF without its settings");
                    }
                    List<String> ran = VfSettingsWriter.apply(host.actions(), a.get().pfNetdev(), a.get().vfIndex(), VfSettings.of(now.get()),
                            a.get().settings());
                    actions.add("VF " + vf + ": " + (ran.isEmpty() ? "settings already in place (" + a.get().settings() + ")"
                            : "re-applied " + String.join("; ", ran)));
                    if (!a.get().domain().equals(domain)) {
                        session.save(session.record().with(a.get().held(domain)));
                        actions.add("VF " + vf + ": record now names '" + domain + "' (was '" + a.get().domain() + "')");
                    }
                } else {
                    actions.add("VF " + vf + ": not allocated by virtwire, left as it is");
                }
                if (!h.managed()) {
                    bindVfio(h.vf(), inventory, actions);
                }
            } else if (i instanceof VhostUserInterface u) {
                String path = u.socketPath().toString();
                boolean ours = session.record().find(path).isPresent() || Path.of(path).normalize().startsWith(socketDir);
                if (ours) {
                    // the queue pairs QEMU will ask for: a port of another count (the XML was edited since) is re-created
                    int queues = u.queues().map(io.virtwire.provisioner.model.QueueCount::value).orElse(1);
                    Optional<Integer> before = forwarder.port(path).map(ForwarderClient.Port::queues);
                    forwarder.registerForStart(new ForwarderClient.Port(domain, path, i.mac().map(Object::toString).orElse(null),
                            u.mode() == VhostUserInterface.Mode.CLIENT, queues));
                    actions.add("vhost-user " + path + ": port registered (" + forwarder.describe() + "), " + queues + " queue pair"
                            + (queues == 1 ? "" : "s") + before.filter(b -> b != queues).map(b -> " (re-created: it had " + b + ")").orElse(""));
                }
            }
        }
    }

    /** managed='no': libvirt expects the VF on vfio-pci already; do what an operator would (driver_override, unbind, probe). */
    private void bindVfio(PciAddress vf, HostInventory inventory, List<String> actions) {
        Optional<VirtualFunction> v = Reconciler.findVf(inventory, vf.toString());
        if (v.isPresent() && "vfio-pci".equals(v.get().driver())) {
            return;
        }
        host.actions().overrideDriver(vf, "vfio-pci");
        if (v.isPresent() && v.get().driver() != null) {
            host.actions().unbind(vf);
        }
        host.actions().probe(vf);
        actions.add("VF " + vf + ": bound to vfio-pci (managed='no')");
    }

    private void release(String domain, StateStore.Session session, List<String> actions) {
        List<Allocation> mine = session.record().ofDomain(domain);
        boolean persistent = Files.exists(host.paths().resolve("/etc/libvirt/qemu/" + domain + ".xml"));
        AllocationRecord updated = session.record();
        HostInventory inventory = mine.stream().anyMatch(Allocation::hostdev) && !persistent ? host.inventory() : null;
        Reconciler releaser = new Reconciler(host.actions(), forwarder, socketDir);
        for (Allocation a : mine) {
            if (a.kind().equals("vhostuser")) {
                forwarder.removePort(a.device());
                actions.add("vhost-user " + a.device() + ": port removed from the forwarder");
            }
            if (!persistent) {
                String how = a.kind().equals("vhostuser") ? "" : releaser.release(a, inventory);
                updated = updated.without(a.device());
                actions.add(a.kind() + " " + a.device() + ": freed (transient domain)" + how);
            } else if (!a.kind().equals("vhostuser")) {
                actions.add(a.kind() + " " + a.device() + ": kept (the persistent definition still holds it)");
            }
        }
        session.save(updated);
    }
}
