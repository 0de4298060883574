package io.virtwire.provisioner.nic;

import io.virtwire.provisioner.libvirt.xml.GuestInterface;
import io.virtwire.provisioner.libvirt.xml.HostdevInterface;
import io.virtwire.provisioner.libvirt.xml.LibvirtXml;
import io.virtwire.provisioner.libvirt.xml.NetworkInterface;
import io.virtwire.provisioner.libvirt.xml.OtherInterface;
import io.virtwire.provisioner.libvirt.xml.VdpaInterface;
import io.virtwire.provisioner.libvirt.xml.VhostUserInterface;
import io.virtwire.provisioner.model.MacAddress;
import io.virtwire.provisioner.model.QueueCount;
import java.util.Optional;
import java.util.TreeMap;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * One row of {@code domiflist}: what an operator needs to tell NICs apart.
 *
 * @param target host-side device name libvirt assigned (running domains with a tap or macvtap), or null
 * @param alias  the device alias (net0, ua-...) libvirt assigned to a running domain's NIC, or null
 * @param source VF PCI address, vDPA device, vhost-user socket path, network name, or the source attributes
 * @param mode   vhost-user socket mode (QEMU's role), else null
 */
public record InterfaceSummary(String type, String source, String mode, String mac, String model, Integer queues, String target, String alias) {

    public static InterfaceSummary of(GuestInterface i) {
        String mac = i.mac().map(MacAddress::toString).orElse(null);
        String target = targetDev(i);
        String alias = i.alias().orElse(null);
        return switch (i) {
            case HostdevInterface h -> new InterfaceSummary(i.type(), h.vf().toString(), null, mac, null, null, target, alias);
            case VdpaInterface v -> new InterfaceSummary(i.type(), v.device(), null, mac, v.model().orElse(null),
                    v.queues().map(QueueCount::value).orElse(null), target, alias);
            case VhostUserInterface u -> new InterfaceSummary(i.type(), u.socketPath().toString(), u.mode().libvirtName(), mac,
                    u.model().orElse(null), u.queues().map(QueueCount::value).orElse(null), target, alias);
            case NetworkInterface n -> new InterfaceSummary(i.type(), n.network(), null, mac, n.model().orElse(null), null, target, alias);
            case OtherInterface o -> new InterfaceSummary(i.type(), String.join(",", new TreeMap<>(o.sourceAttributes()).values()), null, mac,
                    modelOf(o.element()).orElse(null), null, target, alias);
        };
    }

    private static String targetDev(GuestInterface i) {
        Element root = LibvirtXml.parseDocument(i.toXml()).getDocumentElement();
        for (Node n = root.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && "target".equals(e.getLocalName() == null ? e.getTagName() : e.getLocalName())) {
                String dev = e.getAttribute("dev");
                return dev.isEmpty() ? null : dev;
            }
        }
        return null;
    }

    private static Optional<String> modelOf(Element iface) {
        for (Node n = iface.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && "model".equals(e.getTagName())) {
                return Optional.of(e.getAttribute("type"));
            }
        }
        return Optional.empty();
    }
}
