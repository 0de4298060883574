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

/** {@code <host csum="off" .../>} / {@code <guest .../>} offload switches of a virtio-net driver. */
@XmlType(name = "offloads")
public class OffloadsXml {
    @XmlAttribute(name = "csum")
    public String csum;
    @XmlAttribute(name = "gso")
    public String gso;
    @XmlAttribute(name = "tso4")
    public String tso4;
    @XmlAttribute(name = "tso6")
    public String tso6;
    @XmlAttribute(name = "ecn")
    public String ecn;
    @XmlAttribute(name = "ufo")
    public String ufo;
    @XmlAttribute(name = "mrg_rxbuf")
    public String mrgRxbuf;
    /** Children libvirt may add in later versions (e.g. zpci under address). */
    @XmlAnyElement
    public List<Element> any = new ArrayList<>();
    @XmlAnyAttribute
    public Map<QName, String> otherAttributes = new LinkedHashMap<>();
}
