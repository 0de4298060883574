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

/** {@code <vlan trunk="yes"><tag id=".."/>...</vlan>}. */
@XmlType(name = "vlan", propOrder = {"tags", "any"})
public class VlanXml {
    @XmlAttribute(name = "trunk")
    public String trunk;
    @XmlElement(name = "tag")
    public List<VlanTagXml> tags = new ArrayList<>();
    @XmlAnyElement
    public List<Element> any = new ArrayList<>();
    @XmlAnyAttribute
    public Map<QName, String> otherAttributes = new LinkedHashMap<>();
}
