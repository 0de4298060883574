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

/** {@code <driver name=".." queues=".." rx_queue_size=".." tx_queue_size=".."><host/><guest/></driver>}. */
@XmlType(name = "driver", propOrder = {"host", "guest", "any"})
public class DriverXml {
    @XmlAttribute(name = "name")
    public String name;
    @XmlAttribute(name = "queues")
    public Integer queues;
    @XmlAttribute(name = "rx_queue_size")
    public Integer rxQueueSize;
    @XmlAttribute(name = "tx_queue_size")
    public Integer txQueueSize;
    @XmlElement(name = "host")
    public OffloadsXml host;
    @XmlElement(name = "guest")
    public OffloadsXml guest;
    @XmlAnyElement
    public List<Element> any = new ArrayList<>();
    @XmlAnyAttribute
    public Map<QName, String> otherAttributes = new LinkedHashMap<>();

    public DriverXml() {
    }

    public DriverXml(String name) {
        this.name = name;
    }
}
