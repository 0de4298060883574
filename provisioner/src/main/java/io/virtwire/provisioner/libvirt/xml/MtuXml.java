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

/** {@code <mtu size="9000"/>}. */
@XmlType(name = "mtu")
public class MtuXml {
    @XmlAttribute(name = "size")
    public Integer size;
    /** Children libvirt may add in later versions (e.g. zpci under address). */
    @XmlAnyElement
    public List<Element> any = new ArrayList<>();
    @XmlAnyAttribute
    public Map<QName, String> otherAttributes = new LinkedHashMap<>();
}
