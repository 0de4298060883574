package io.virtwire.provisioner.nic;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.virtwire.provisioner.state.Allocation;
import java.util.ArrayList;
import java.util.List;

/**
 * What attach-hostdev or detach-hostdev did (or, with --print-xml, would do): the JSON contract of those commands,
 * shaped like {@link NicChange} with the PCI device in place of the interface summary.
 *
 * @param device     the PCI address passed through
 * @param deviceXml  the {@code <hostdev>} XML given to libvirt
 * @param diff       the domain XML before and after; null when nothing was applied
 * @param allocation the VF virtwire allocated (--pf); absent when the device was named
 */
public record HostdevChange(String action, String domain, boolean changed, String scope, String device, String deviceXml,
                            List<String> notes, NicChange.Diff diff, @JsonInclude(JsonInclude.Include.NON_NULL) Allocation allocation)
        implements DeviceChange<HostdevChange> {

    @Override
    public HostdevChange withAllocation(Allocation a, List<String> extraNotes) {
        List<String> all = new ArrayList<>(notes);
        all.addAll(extraNotes);
        return new HostdevChange(action, domain, changed, scope, device, deviceXml, List.copyOf(all), diff, a);
    }
}
