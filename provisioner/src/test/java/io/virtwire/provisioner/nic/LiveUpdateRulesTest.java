package io.virtwire.provisioner.nic;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.virtwire.provisioner.libvirt.xml.HostdevInterface;
import io.virtwire.provisioner.libvirt.xml.VdpaInterface;
import io.virtwire.provisioner.libvirt.xml.VhostUserInterface;
import io.virtwire.provisioner.model.MacAddress;
import io.virtwire.provisioner.model.PciAddress;
import io.virtwire.provisioner.model.QueueCount;
import io.virtwire.provisioner.model.UnixSocketPath;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What libvirt's qemuDomainChangeNet lets update-device change on a plugged NIC, as --ensure relies on it. */
class LiveUpdateRulesTest {

    private static final MacAddress MAC = MacAddress.parse("52:54:00:00:00:01");

    @Test
    void aPluggedHostdevNicTakesNoChangeAtAll() {
        HostdevInterface vf = HostdevInterface.of(MAC, PciAddress.parse("0000:07:10.1"));
        assertFalse(LiveUpdateRules.canUpdateLive(vf, List.of("vlan: 7 -> 8")));
        assertFalse(LiveUpdateRules.canUpdateLive(vf, List.of("link: up -> down")), "not even the link state");
    }

    @Test
    void vdpaAndVhostUserTakeLinkBandwidthAndFilterButNotTheDriftVirtwireConverges() {
        VhostUserInterface vu = VhostUserInterface.of(MAC, new UnixSocketPath("/run/virtwire/a.sock"), VhostUserInterface.Mode.CLIENT,
                QueueCount.parse("2"));
        VdpaInterface vdpa = VdpaInterface.of(MAC, "/dev/vhost-vdpa-0", null);
        for (var nic : List.of(vu, vdpa)) {
            assertTrue(LiveUpdateRules.canUpdateLive(nic, List.of("link: up -> down", "bandwidth: none -> 1000")));
            assertFalse(LiveUpdateRules.canUpdateLive(nic, List.of("queues: 2 -> 4")), "virtio driver attributes are refused");
            assertFalse(LiveUpdateRules.canUpdateLive(nic, List.of("model: none -> virtio")));
            assertFalse(LiveUpdateRules.canUpdateLive(nic, List.of("mode: client -> server")));
            assertFalse(LiveUpdateRules.canUpdateLive(nic, List.of("link: up -> down", "queues: 2 -> 4")), "one refused kind is enough");
            assertFalse(LiveUpdateRules.canUpdateLive(nic, List.of()));
        }
    }
}
