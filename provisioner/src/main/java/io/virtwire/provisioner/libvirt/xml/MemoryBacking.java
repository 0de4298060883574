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
import java.util.Optional;
import javax.xml.namespace.QName;
import org.w3c.dom.Element;

/**
 * {@code <memoryBacking>}: how guest RAM is allocated. vhost-user backends map guest RAM from a file descriptor,
 * which needs {@code <access mode='shared'/>} on a memfd, hugetlbfs or file source.
 */
@XmlType(name = "memoryBacking", propOrder = {"hugepages", "source", "access", "any"})
public final class MemoryBacking {

    /** {@code <hugepages>}: present (possibly empty) means hugetlbfs backing. */
    @XmlType(name = "hugepages", propOrder = {"pages", "any"})
    public static final class Hugepages {
        @XmlElement(name = "page")
        public List<Page> pages = new ArrayList<>();
        @XmlAnyElement
        public List<Element> any = new ArrayList<>();
    }

    /** {@code <page size='1' unit='G' nodeset='0'/>}. */
    @XmlType(name = "page")
    public static final class Page {
        @XmlAttribute(name = "size")
        public Long size;
        @XmlAttribute(name = "unit")
        public String unit;
        @XmlAttribute(name = "nodeset")
        public String nodeset;
        @XmlAnyElement
        public List<Element> any = new ArrayList<>();
        @XmlAnyAttribute
        public Map<QName, String> otherAttributes = new LinkedHashMap<>();
    }

    @XmlType(name = "memorySource")
    public static final class Source {
        @XmlAttribute(name = "type")
        public String type;
        @XmlAnyElement
        public List<Element> any = new ArrayList<>();
        @XmlAnyAttribute
        public Map<QName, String> otherAttributes = new LinkedHashMap<>();
    }

    @XmlType(name = "memoryAccess")
    public static final class Access {
        @XmlAttribute(name = "mode")
        public String mode;
        @XmlAnyElement
        public List<Element> any = new ArrayList<>();
        @XmlAnyAttribute
        public Map<QName, String> otherAttributes = new LinkedHashMap<>();
    }

    @XmlElement(name = "hugepages")
    private Hugepages hugepages;
    @XmlElement(name = "source")
    private Source source;
    @XmlElement(name = "access")
    private Access access;
    /** nosharepages, locked, allocation, discard, ... */
    @XmlAnyElement
    private List<Element> any = new ArrayList<>();
    @XmlAnyAttribute
    private Map<QName, String> otherAttributes = new LinkedHashMap<>();

    public MemoryBacking() {
    }

    public static MemoryBacking parse(String xml) {
        return LibvirtXml.unmarshal(LibvirtXml.parseDocument(xml).getDocumentElement(), MemoryBacking.class);
    }

    public Optional<Hugepages> hugepages() {
        return Optional.ofNullable(hugepages);
    }

    public MemoryBacking withHugepages(Hugepages value) {
        this.hugepages = value;
        return this;
    }

    /** memfd, file, anonymous; empty when absent (hugepages imply hugetlbfs files). */
    public Optional<String> sourceType() {
        return source == null ? Optional.empty() : Optional.ofNullable(source.type);
    }

    public MemoryBacking withSourceType(String type) {
        if (type == null) {
            source = null;
        } else {
            if (source == null) {
                source = new Source();
            }
            source.type = type;
        }
        return this;
    }

    /** shared or private; empty when absent (QEMU's default is private). */
    public Optional<String> accessMode() {
        return access == null ? Optional.empty() : Optional.ofNullable(access.mode);
    }

    public MemoryBacking withAccessMode(String mode) {
        if (mode == null) {
            access = null;
        } else {
            if (access == null) {
                access = new Access();
            }
            access.mode = mode;
        }
        return this;
    }

    public List<Element> otherElements() {
        return any;
    }

    public String toXml() {
        return LibvirtXml.marshal(this, "memoryBacking");
    }
}
