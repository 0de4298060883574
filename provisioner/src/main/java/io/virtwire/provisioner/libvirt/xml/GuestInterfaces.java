package io.virtwire.provisioner.libvirt.xml;

import org.w3c.dom.Element;

/** Reads an {@code <interface>} element or device XML into the variant its {@code type} attribute names. */
public final class GuestInterfaces {

    private GuestInterfaces() {
    }

    /** Parses device XML such as {@code virsh dumpxml} prints inside {@code <devices>}. */
    public static GuestInterface parse(String deviceXml) {
        return fromElement(LibvirtXml.parseDocument(deviceXml).getDocumentElement());
    }

    public static GuestInterface fromElement(Element element) {
        if (element.getNamespaceURI() != null || !"interface".equals(element.getLocalName())) {
            throw new IllegalArgumentException("expected an <interface> element, got <" + element.getTagName() + ">");
        }
        return switch (element.getAttribute("type")) {
            case "hostdev" -> LibvirtXml.unmarshal(element, HostdevInterface.class);
            case "vdpa" -> LibvirtXml.unmarshal(element, VdpaInterface.class);
            case "vhostuser" -> LibvirtXml.unmarshal(element, VhostUserInterface.class);
            case "network" -> LibvirtXml.unmarshal(element, NetworkInterface.class);
            default -> new OtherInterface(element);
        };
    }
}
