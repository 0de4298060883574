package io.virtwire.provisioner.aer;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.virtwire.provisioner.VirtwireException;
import io.virtwire.provisioner.allocation.Reconciler;
import io.virtwire.provisioner.allocation.VfSettingsWriter;
import io.virtwire.provisioner.host.AerCounters;
import io.virtwire.provisioner.host.HostInventory;
import io.virtwire.provisioner.host.HostInventoryReader;
import io.virtwire.provisioner.host.VirtualFunction;
import io.virtwire.provisioner.host.profile.HostAccess;
import io.virtwire.provisioner.libvirt.DeviceScope;
import io.virtwire.provisioner.libvirt.LibvirtGateway;
import io.virtwire.provisioner.libvirt.xml.DomainXml;
import io.virtwire.provisioner.libvirt.xml.GuestInterface;
import io.virtwire.provisioner.libvirt.xml.HostdevInterface;
import io.virtwire.provisioner.model.PciAddress;
import io.virtwire.provisioner.state.Allocation;
import io.virtwire.provisioner.state.AtomicFile;
import io.virtwire.provisioner.state.HookLog;
import io.virtwire.provisioner.state.StateStore;
import io.virtwire.provisioner.state.VfSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Seed 004: after an AER error on an 82599 PF the kernel recovers the PF (error_detected, slot_reset, resume), but
 * the PF driver's reset wipes the VFs' admin settings and the guests' VF drivers hang without ever hearing of it.
 * The watcher follows aer_dev_nonfatal / aer_dev_fatal (and aer_dev_correctable, reported only: hardware corrected
 * those) of every PF with VFs in the allocation record. When one rises it re-applies the recorded VF settings and,
 * with the {@code reattach} policy, unplugs and re-plugs each affected VF in its running guest, so the guest driver
 * probes a fresh device. Counters seen last are kept in the state directory, so a restarted watcher (or a
 * {@code --once} run from a timer) notices what rose while it was not looking; the very first sample is a baseline.
 */
public final class AerWatcher {

    public static final String COUNTERS = "aer-counters.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    public enum Policy {
        report, reattach
    }

    /** One rise of a PF's counters and what was done about it: the JSON of each watch event. */
    public record Event(String time, String pf, String pfNetdev, AerCounters before, AerCounters after, String severity,
                        List<String> actions) {
    }

    private final HostAccess host;
    private final StateStore store;
    private final Policy policy;
    private final Supplier<LibvirtGateway> gateways;
    private final HookLog log;
    private final Duration lockTimeout;
    private final Duration unplugTimeout;

    public AerWatcher(HostAccess host, StateStore store, Policy policy, Supplier<LibvirtGateway> gateways, HookLog log, Duration lockTimeout,
                      Duration unplugTimeout) {
        this.host = host;
        this.store = store;
        this.policy = policy;
        this.gateways = gateways;
        this.log = log;
        this.lockTimeout = lockTimeout;
        this.unplugTimeout = unplugTimeout;
    }

    /** One sample of every watched PF; returns the events (rises) found and handled. */
    public List<Event> poll() {
        List<Event> events = new ArrayList<>();
        try (StateStore.Session session = store.open(lockTimeout)) {
            Map<String, String> watched = new LinkedHashMap<>();
            for (Allocation a : session.record().allocations()) {
                if (a.hostdev() && a.pf() != null) {
                    watched.put(a.pf(), a.pfNetdev());
                }
            }
            Map<String, AerCounters> last = loadCounters();
            Map<String, AerCounters> now = new LinkedHashMap<>();
            HostInventoryReader reader = new HostInventoryReader(host.paths(), host.commands());
            for (Map.Entry<String, String> pf : watched.entrySet()) {
                AerCounters c = reader.aer(PciAddress.parse(pf.getKey()));
                if (c == null) {
                    continue;
                }
                now.put(pf.getKey(), c);
                AerCounters before = last.get(pf.getKey());
                if (before == null) {
                    log.line("PF " + pf.getKey() + " (" + pf.getValue() + "): watching AER counters, baseline correctable " + c.correctable()
                            + ", nonfatal " + c.nonfatal() + ", fatal " + c.fatal(), "pf", pf.getKey());
                    continue;
                }
                if (c.equals(before)) {
                    continue;
                }
                events.add(handle(session, pf.getKey(), pf.getValue(), before, c));
            }
            saveCounters(now);
        }
        return events;
    }

    /** Polls every {@code interval} until interrupted, handing each event to {@code sink}. */
    public void run(Duration interval, java.util.function.Consumer<Event> sink) throws InterruptedException {
        log.line("watching AER counters every " + interval.toMillis() + " ms, policy " + policy);
        while (!Thread.currentThread().isInterrupted()) {
            try {
                poll().forEach(sink);
            } catch (VirtwireException e) {
                log.warn("poll failed (will retry): " + e.getMessage());
            }
            Thread.sleep(interval);
        }
    }

    private Event handle(StateStore.Session session, String pf, String pfNetdev, AerCounters before, AerCounters after) {
        String severity = after.fatal() > before.fatal() ? "fatal" : after.nonfatal() > before.nonfatal() ? "nonfatal"
                : after.correctable() > before.correctable() ? "correctable" : "reset";
        List<String> actions = new ArrayList<>();
        log.line("PF " + pf + " (" + pfNetdev + "): AER " + severity + " error: correctable " + before.correctable() + "->" + after.correctable()
                + ", nonfatal " + before.nonfatal() + "->" + after.nonfatal() + ", fatal " + before.fatal() + "->" + after.fatal(),
                "pf", pf, "severity", severity);
        if (severity.equals("correctable") || severity.equals("reset")) {
            actions.add(severity.equals("reset") ? "counters went down (the PF was re-probed or the host rebooted): new baseline"
                    : "corrected by the hardware: nothing to recover");
        } else {
            List<Allocation> affected = session.record().allocations().stream().filter(a -> a.hostdev() && pf.equals(a.pf())).toList();
            HostInventory inventory = host.inventory();
            for (Allocation a : affected) {
                actions.add(reapply(a, inventory));
            }
            if (policy == Policy.reattach) {
                actions.addAll(reattach(affected));
            } else {
                actions.add("policy report: guests not touched; if a guest's VF driver hangs, run 'virtwire watch --policy reattach'"
                        + " or detach and re-attach its VF");
            }
        }
        actions.forEach(x -> log.line("PF " + pf + ": " + x, "pf", pf));
        return new Event(Instant.now().toString(), pf, pfNetdev, before, after, severity, actions);
    }

    private String reapply(Allocation a, HostInventory inventory) {
        Optional<VirtualFunction> vf = Reconciler.findVf(inventory, a.device());
        if (vf.isEmpty()) {
            return "VF " + a.device() + " (" + a.domain() + "): gone from the host after the error; cannot re-apply its settings";
        }
        if (a.settings() == null) {
            return "VF " + a.device() + " (" + a.domain() + "): adopted without recorded settings, nothing to re-apply";
        }
        try {
            List<String> ran = VfSettingsWriter.apply(host.actions(), a.pfNetdev(), a.vfIndex(), VfSettings.of(vf.get()), a.settings());
            return "VF " + a.device() + " (" + a.domain() + "): " + (ran.isEmpty() ? "settings intact" : "re-applied " + String.join("; ", ran));
        } catch (RuntimeException e) {
            return "VF " + a.device() + " (" + a.domain() + "): re-applying settings FAILED: " + e.getMessage();
        }
    }

    /** Hot-unplug then re-plug each VF in its running guest, so the guest's VF driver starts over. */
    private List<String> reattach(List<Allocation> affected) {
        List<String> out = new ArrayList<>();
        Set<String> domains = new LinkedHashSet<>();
        affected.forEach(a -> domains.add(a.domain()));
        if (domains.isEmpty()) {
            return out;
        }
        try (LibvirtGateway gw = gateways.get()) {
            for (Allocation a : affected) {
                try {
                    if (!gw.domain(a.domain()).active()) {
                        out.add("VF " + a.device() + ": '" + a.domain() + "' is not running, nothing to re-plug");
                        continue;
                    }
                    Optional<HostdevInterface> iface = liveInterface(gw, a.domain(), a.device());
                    if (iface.isEmpty()) {
                        out.add("VF " + a.device() + ": not in the live XML of '" + a.domain() + "', nothing to re-plug");
                        continue;
                    }
                    String xml = iface.get().toXml();
                    gw.detachDevice(a.domain(), xml, DeviceScope.LIVE);
                    waitUnplugged(gw, a.domain(), a.device());
                    gw.attachDevice(a.domain(), xml, DeviceScope.LIVE);
                    out.add("VF " + a.device() + ": unplugged from and re-plugged into '" + a.domain() + "' (live)");
                } catch (RuntimeException e) {
                    out.add("VF " + a.device() + ": re-plug into '" + a.domain() + "' FAILED: " + e.getMessage());
                }
            }
        } catch (RuntimeException e) {
            out.add("cannot reach libvirt to re-plug VFs: " + e.getMessage());
        }
        return out;
    }

    private static Optional<HostdevInterface> liveInterface(LibvirtGateway gw, String domain, String vf) {
        for (GuestInterface i : DomainXml.parse(gw.domainXml(domain, false)).interfaces()) {
            if (i instanceof HostdevInterface h && h.vf().toString().equals(vf)) {
                return Optional.of(h);
            }
        }
        return Optional.empty();
    }

    /** Live detach completes when the guest releases the device (asynchronous): wait for it to leave the live XML. */
    private void waitUnplugged(LibvirtGateway gw, String domain, String vf) {
        long end = System.nanoTime() + unplugTimeout.toNanos();
        while (liveInterface(gw, domain, vf).isPresent()) {
            if (System.nanoTime() > end) {
                throw new VirtwireException(VirtwireException.Kind.LIBVIRT, "the guest did not release VF " + vf + " within "
                        + unplugTimeout.toSeconds() + " s of the unplug request; it stays as it is");
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new VirtwireException(VirtwireException.Kind.LIBVIRT, "interrupted while waiting for the unplug of " + vf);
            }
        }
    }

    private Map<String, AerCounters> loadCounters() {
        Path f = store.dir().resolve(COUNTERS);
        if (!Files.exists(f)) {
            return Map.of();
        }
        try {
            return JSON.readValue(f.toFile(), new TypeReference<Map<String, AerCounters>>() {
            });
        } catch (IOException e) {
            log.warn("ignoring unreadable " + f + " (" + e.getMessage() + "): taking a new baseline");
            return Map.of();
        }
    }

    private void saveCounters(Map<String, AerCounters> counters) {
        Path f = store.dir().resolve(COUNTERS);
        try {
            AtomicFile.removeLeftovers(f); // watch is this file's only writer
            AtomicFile.write(f, JSON.writeValueAsBytes(counters), "rw-r--r--");
        } catch (IOException e) {
            throw new VirtwireException(VirtwireException.Kind.HOST, "cannot write " + f + ": " + e, e);
        }
    }
}
