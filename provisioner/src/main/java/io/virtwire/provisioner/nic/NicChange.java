package io.virtwire.provisioner.nic;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.virtwire.provisioner.state.Allocation;
import java.util.List;

/**
 * What an attach or detach did (or, with --print-xml, would do). This record is the JSON contract of
 * attach-interface and detach-interface; the Ansible collection reads {@code changed} and {@code diff}.
 *
 * @param scope     config, live, config+live, or file (offline edit of a domain XML file)
 * @param deviceXml the {@code <interface>} XML given to libvirt
 * @param diff      the domain XML before and after (the persistent definition, or the live one for live-only
 *                  changes, or the file); null when nothing was applied
 * @param allocation what virtwire allocated for this NIC (VF, vhost-vdpa device or socket) when it picked the device
 *                  (--pf, --pool, --type vdpa without --dev, --type vhostuser without --source); absent otherwise
 * @param methods   how attach-interface --ensure (or detach-interface --ensure) made the NIC as asked, every step in order (see {@link Method});
 *                  empty when nothing changed, and for the plain attach and detach; {@code method} is the
 *                  most disruptive of them (null when empty)
 */
public record NicChange(String action, String domain, boolean changed, String scope, InterfaceSummary iface, String deviceXml,
                        List<String> notes, Diff diff, @JsonInclude(JsonInclude.Include.NON_NULL) Allocation allocation,
                        List<String> methods)
        implements DeviceChange<NicChange> {

    public NicChange(String action, String domain, boolean changed, String scope, InterfaceSummary iface, String deviceXml,
                     List<String> notes, Diff diff, Allocation allocation) {
        this(action, domain, changed, scope, iface, deviceXml, notes, diff, allocation, List.of());
    }

    public NicChange(String action, String domain, boolean changed, String scope, InterfaceSummary iface, String deviceXml,
                     List<String> notes, Diff diff) {
        this(action, domain, changed, scope, iface, deviceXml, notes, diff, null);
    }

    /**
     * The ways --ensure converges a NIC, from the least to the most disruptive for the guest; {@code method} in the
     * JSON is the most disruptive one used.
     */
    public enum Method {
        /** detach-interface --ensure: the NIC was there and was detached (libvirt's detach-device). */
        DETACH("detach"),
        /** the NIC was missing from a definition (or the file) and was added. */
        ATTACH("attach"),
        /** a domain XML file: the NIC's element replaced in the file (--domain-xml). */
        FILE("file"),
        /** a VF's MAC, VLAN, trust or spoofchk set through its PF (ip link set PF vf N ...); the guest keeps its NIC. */
        PF("pf"),
        /** libvirt's update-device changed the NIC in place (the persistent definition: any change libvirt accepts). */
        UPDATE_DEVICE("update-device"),
        /** the definition edited and redefined: a driver without update-device (test:///), or --fix-memory. */
        REDEFINE("redefine"),
        /** the running domain: detach and attach of the same device, where libvirt cannot change the plugged NIC. */
        REATTACH("reattach");

        public final String json;

        Method(String json) {
            this.json = json;
        }
    }

    /** The most disruptive of {@link #methods()}; null when nothing changed. */
    @com.fasterxml.jackson.annotation.JsonProperty("method")
    public String method() {
        Method worst = null;
        for (Method m : Method.values()) {
            if (methods.contains(m.json)) {
                worst = m;
            }
        }
        return worst == null ? null : worst.json;
    }

    /** The same answer with more steps (in order) and notes, and with {@code changed} set when a step was taken. */
    public NicChange withSteps(List<Method> steps, List<String> extraNotes) {
        List<String> m = new java.util.ArrayList<>(steps.stream().map(x -> x.json).toList());
        m.addAll(methods);
        List<String> all = new java.util.ArrayList<>(extraNotes);
        all.addAll(notes);
        return new NicChange(action, domain, changed || !steps.isEmpty(), scope, iface, deviceXml, List.copyOf(all), diff, allocation,
                List.copyOf(m));
    }

    @Override
    public NicChange withAllocation(Allocation a, List<String> extraNotes) {
        List<String> all = new java.util.ArrayList<>(notes);
        all.addAll(extraNotes);
        return new NicChange(action, domain, changed, scope, iface, deviceXml, List.copyOf(all), diff, a, methods);
    }

    public record Diff(String before, String after) {
    }
}
