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

/** {@code <cpu><numa>}: guest NUMA cells, whose {@code memAccess} decides per cell whether RAM is shared. */
@XmlType(name = "numa", propOrder = {"cells", "any"})
public final class Numa {

    /** {@code <cell id='0' cpus='0-3' memory='4' unit='GiB' memAccess='shared'/>}; distances/caches kept as DOM. */
    @XmlType(name = "numaCell", propOrder = {"any"})
    public static final class Cell {
        @XmlAttribute(name = "id")
        public Integer id;
        @XmlAttribute(name = "cpus")
        public String cpus;
        @XmlAttribute(name = "memory")
        public Long memory;
        @XmlAttribute(name = "unit")
        public String unit;
        @XmlAttribute(name = "memAccess")
        public String memAccess;
        @XmlAnyElement
        public List<Element> any = new ArrayList<>();
        @XmlAnyAttribute
        public Map<QName, String> otherAttributes = new LinkedHashMap<>();

        public Optional<String> memAccess() {
            return Optional.ofNullable(memAccess);
        }
    }

    @XmlElement(name = "cell")
    private List<Cell> cells = new ArrayList<>();
    @XmlAnyElement
    private List<Element> any = new ArrayList<>();
    @XmlAnyAttribute
    private Map<QName, String> otherAttributes = new LinkedHashMap<>();

    public Numa() {
    }

    public List<Cell> cells() {
        return cells;
    }

    public String toXml() {
        return LibvirtXml.marshal(this, "numa");
    }
}
