package io.virtwire.provisioner.libvirt.xml;

import io.virtwire.provisioner.model.MacAddress;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NamedNodeMap;
import org.w3c.dom.Node;

/**
 * An interface of a type virtwire does not configure (bridge, user, direct, ethernet, ...), kept as a private
 * copy of its DOM element so that writing it back reproduces it exactly.
 */
public final class OtherInterface implements GuestInterface {

    private final Element element;

    OtherInterface(Element element) {
        Document own = LibvirtXml.newDocument();
        this.element = (Element) own.importNode(element, true);
        own.appendChild(this.element);
    }

    @Override
    public String type() {
        return element.getAttribute("type");
    }

    @Override
    public Optional<MacAddress> mac() {
        Element mac = LibvirtXml.firstChild(element, "mac");
        return mac == null || !mac.hasAttribute("address") ? Optional.empty()
                : Optional.of(MacAddress.parse(mac.getAttribute("address")));
    }

    @Override
    public Optional<String> alias() {
        Element alias = LibvirtXml.firstChild(element, "alias");
        return alias == null ? Optional.empty() : Optional.ofNullable(LibvirtXml.attr(alias, "name"));
    }

    /** Attributes of {@code <source>} (bridge, dev, mode, ...), which identify the interface's backend. */
    public Map<String, String> sourceAttributes() {
        Map<String, String> attrs = new LinkedHashMap<>();
        Element source = LibvirtXml.firstChild(element, "source");
        if (source != null) {
            NamedNodeMap map = source.getAttributes();
            for (int i = 0; i < map.getLength(); i++) {
                Node a = map.item(i);
                attrs.put(a.getNodeName(), a.getNodeValue());
            }
        }
        return attrs;
    }

    /** A copy of the element; changing it does not change this object. */
    public Element element() {
        return (Element) element.cloneNode(true);
    }

    @Override
    public String toXml() {
        return LibvirtXml.toXml(element);
    }
}
