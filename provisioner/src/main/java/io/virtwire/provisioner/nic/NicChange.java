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
 */
public record NicChange(String action, String domain, boolean changed, String scope, InterfaceSummary iface, String deviceXml,
                        List<String> notes, Diff diff, @JsonInclude(JsonInclude.Include.NON_NULL) Allocation allocation)
        implements DeviceChange<NicChange> {

    public NicChange(String action, String domain, boolean changed, String scope, InterfaceSummary iface, String deviceXml,
                     List<String> notes, Diff diff) {
        this(action, domain, changed, scope, iface, deviceXml, notes, diff, null);
    }

    @Override
    public NicChange withAllocation(Allocation a, List<String> extraNotes) {
        List<String> all = new java.util.ArrayList<>(notes);
        all.addAll(extraNotes);
        return new NicChange(action, domain, changed, scope, iface, deviceXml, List.copyOf(all), diff, a);
    }

    public record Diff(String before, String after) {
    }
}
