package io.virtwire.provisioner.allocation;

import io.virtwire.provisioner.nic.DeviceChange;
import io.virtwire.provisioner.state.Allocation;
import java.util.List;

/**
 * What a {@link DeviceStep} decided: the device, its pending record entry, the host change and the attach.
 *
 * @param pending  the entry saved before the host is touched
 * @param device   the device as messages name it ("VF 0000:07:10.1", "vhost-user socket /run/virtwire/vm-0.sock")
 * @param released the device as the release note names it ("0000:07:10.1", "the socket")
 * @param host     the host change made before the attach and undone when the attach fails
 * @param attach   the libvirt attach (or, with printOnly, its preview)
 * @param notes    notes about the pick, shown whether or not anything is applied
 */
record AttachPlan<R extends DeviceChange<R>>(Allocation pending, String device, String released, HostChange host, Attach<R> attach,
                                             List<String> notes) {

    /** The libvirt side of the attach. */
    @FunctionalInterface
    interface Attach<R> {
        R run(boolean printOnly);
    }
}
