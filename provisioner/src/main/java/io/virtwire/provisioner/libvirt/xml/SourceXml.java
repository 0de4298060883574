package io.virtwire.provisioner.libvirt.xml;

import jakarta.xml.bind.annotation.XmlAnyAttribute;
import jakarta.xml.bind.annotation.XmlAnyElement;
import jakarta.xml.bind.annotation.XmlAttribute;
import jakarta.xml.bind.annotation.XmlElement;
import jakarta.xml.bind.annotation.XmlType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.xml.namespace.QName;
import org.w3c.dom.Element;

/**
 * {@code <source>} of an interface or hostdev. One class for every variant because libvirt reuses the element
 * name with different attributes (dev, network, type/path/mode); attributes a variant does not use stay null and
 * are not written, and the rest (bridge, portgroup, ...) survive in {@link #otherAttributes}.
 */
@XmlType(name = "source", propOrder = {"address", "reconnect", "any"})
public class SourceXml {
    @XmlAttribute(name = "type")
    public String type;
    @XmlAttribute(name = "path")
    public String path;
    @XmlAttribute(name = "mode")
    public String mode;
    @XmlAttribute(name = "dev")
    public String dev;
    @XmlAttribute(name = "network")
    public String network;
    @XmlElement(name = "address")
    public AddressXml address;
    @XmlElement(name = "reconnect")
    public ReconnectXml reconnect;
    @XmlAnyElement
    public List<Element> any = new ArrayList<>();
    @XmlAnyAttribute
    public Map<QName, String> otherAttributes = new LinkedHashMap<>();
}
