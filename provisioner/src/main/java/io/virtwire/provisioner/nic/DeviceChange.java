package io.virtwire.provisioner.nic;

import io.virtwire.provisioner.state.Allocation;
import java.util.List;

/**
 * What an attach of one device kind did: a NIC ({@link NicChange}) or a plain PCI device ({@link HostdevChange}).
 * The allocation template adds what it allocated and its notes to either.
 */
public interface DeviceChange<R extends DeviceChange<R>> {

    R withAllocation(Allocation a, List<String> extraNotes);

    List<String> notes();
}
