package io.virtwire.provisioner.libvirt.xml;

import io.virtwire.provisioner.model.MacAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * An editable libvirt domain definition.
 *
 * <p>Design choice: the domain stays a DOM {@link Document}, exactly as parsed. Only the elements virtwire edits
 * ({@code <interface>}, {@code <hostdev>}, {@code <memoryBacking>}, {@code <cpu><numa>}) are read into JAXB
 * objects, and only an element we change is marshalled back, into the position it came from. Annotating every
 * libvirt element instead would need hundreds of classes and would still risk reordering or dropping what they
 * miss; this way elements we do not touch (os, features, clock, disks, controllers, seclabels, metadata and
 * qemu:commandline in foreign namespaces, their prefixes) are reproduced as they were, and device order inside
 * {@code <devices>} never changes except where we insert or remove. Comments are kept too, as a side effect.
 *
 * <p>Not thread-safe. Objects returned by the accessors are copies: change the domain through this class.
 */
public final class DomainXml {

    /**
     * Children of {@code <domain>} that libvirt formats before {@code <memoryBacking>} (virDomainDefFormat order;
     * the RNG itself interleaves them, so this only keeps our output looking like libvirt's).
     */
    private static final List<String> BEFORE_MEMORY_BACKING = List.of(
            "name", "uuid", "genid", "title", "description", "metadata",
            "maxMemory", "memory", "currentMemory", "blkiotune", "memtune");

    private final Document document;
    private final Element domain;

    private DomainXml(Document document) {
        this.document = document;
        this.domain = document.getDocumentElement();
    }

    public static DomainXml parse(String xml) {
        Objects.requireNonNull(xml, "xml");
        Document d = LibvirtXml.parseDocument(xml);
        Element root = d.getDocumentElement();
        if (root.getNamespaceURI() != null || !"domain".equals(root.getLocalName())) {
            throw new IllegalArgumentException("not a libvirt domain: root element is <" + root.getTagName()
                    + ">, expected <domain>");
        }
        return new DomainXml(d);
    }

    public String name() {
        Element name = LibvirtXml.firstChild(domain, "name");
        return name == null ? null : name.getTextContent().strip();
    }

    public Optional<String> uuid() {
        return Optional.ofNullable(LibvirtXml.firstChild(domain, "uuid")).map(e -> e.getTextContent().strip());
    }

    /**
     * The whole domain. Untouched parts are reproduced node for node; the serializer may write attributes in a
     * different order and with double quotes, which XML (and libvirt) treat as the same document.
     */
    public String toXml() {
        return LibvirtXml.toXml(document);
    }

    // ---------------------------------------------------------------- interfaces

    /** All {@code <interface>} devices in document order, typed where virtwire models the type. */
    public List<GuestInterface> interfaces() {
        return interfaceElements().stream().map(GuestInterfaces::fromElement).toList();
    }

    /**
     * The {@code <interface>} elements as DOM (copies), for read-only callers that need no typed model: reading them
     * into the JAXB variants costs the JAXB context at start-up (domiflist, docs/benchmarks.md).
     */
    public List<Element> interfaceElementCopies() {
        return interfaceElements().stream().map(e -> (Element) e.cloneNode(true)).toList();
    }

    public Optional<GuestInterface> findInterface(MacAddress mac) {
        return interfaces().stream().filter(i -> i.mac().equals(Optional.of(mac))).findFirst();
    }

    public Optional<GuestInterface> findInterface(InterfaceMatcher matcher) {
        return interfaces().stream().filter(matcher::matches).findFirst();
    }

    /**
     * Appends {@code iface} after the last existing {@code <interface>} (so guest NIC order stays as it was), or at
     * the end of {@code <devices>} if there is none.
     *
     * @throws IllegalArgumentException if an interface with the same MAC already exists
     */
    public void addInterface(GuestInterface iface) {
        Objects.requireNonNull(iface, "iface");
        if (iface.mac().isPresent() && findInterface(iface.mac().get()).isPresent()) {
            throw new IllegalArgumentException("domain '" + name() + "' already has an interface with MAC "
                    + iface.mac().get() + ": remove it first or choose another MAC");
        }
        Element devices = devices();
        List<Element> existing = interfaceElements();
        Element anchor = existing.isEmpty() ? lastChildElement(devices) : existing.getLast();
        insertAfter(devices, anchor, toElement(iface, indentOf(devices)));
    }

    /** Removes the interface with this MAC and returns it, or empty if the domain has none. */
    public Optional<GuestInterface> removeInterface(MacAddress mac) {
        Objects.requireNonNull(mac, "mac");
        for (Element e : interfaceElements()) {
            GuestInterface i = GuestInterfaces.fromElement(e);
            if (i.mac().equals(Optional.of(mac))) {
                remove(e);
                return Optional.of(i);
            }
        }
        return Optional.empty();
    }

    private List<Element> interfaceElements() {
        Element devices = LibvirtXml.firstChild(domain, "devices");
        return devices == null ? List.of() : children(devices, "interface");
    }

    private Element toElement(GuestInterface iface, String indent) {
        if (iface instanceof OtherInterface other) {
            return (Element) document.importNode(other.element(), true);
        }
        return LibvirtXml.marshalInto(iface, "interface", document, indent);
    }

    // ---------------------------------------------------------------- hostdevs

    /** PCI {@code <hostdev>} devices (USB, SCSI, mdev hostdevs are left alone and not listed). */
    public List<PciHostdev> hostdevs() {
        Element devices = LibvirtXml.firstChild(domain, "devices");
        if (devices == null) {
            return List.of();
        }
        return children(devices, "hostdev").stream()
                .filter(e -> "pci".equals(e.getAttribute("type")))
                .map(e -> LibvirtXml.unmarshal(e, PciHostdev.class))
                .toList();
    }

    /** Appends after the last {@code <hostdev>}, else at the end of {@code <devices>}. */
    public void addHostdev(PciHostdev hostdev) {
        Objects.requireNonNull(hostdev, "hostdev");
        if (hostdevs().stream().anyMatch(h -> h.source().equals(hostdev.source()))) {
            throw new IllegalArgumentException("domain '" + name() + "' already has PCI device " + hostdev.source()
                    + " assigned");
        }
        Element devices = devices();
        List<Element> existing = children(devices, "hostdev");
        Element anchor = existing.isEmpty() ? lastChildElement(devices) : existing.getLast();
        insertAfter(devices, anchor, LibvirtXml.marshalInto(hostdev, "hostdev", document, indentOf(devices)));
    }

    public Optional<PciHostdev> removeHostdev(io.virtwire.provisioner.model.PciAddress source) {
        Element devices = LibvirtXml.firstChild(domain, "devices");
        if (devices == null) {
            return Optional.empty();
        }
        for (Element e : children(devices, "hostdev")) {
            if ("pci".equals(e.getAttribute("type"))) {
                PciHostdev h = LibvirtXml.unmarshal(e, PciHostdev.class);
                if (h.source().equals(source)) {
                    remove(e);
                    return Optional.of(h);
                }
            }
        }
        return Optional.empty();
    }

    // ---------------------------------------------------------------- memory

    public Optional<MemoryBacking> memoryBacking() {
        return Optional.ofNullable(LibvirtXml.firstChild(domain, "memoryBacking"))
                .map(e -> LibvirtXml.unmarshal(e, MemoryBacking.class));
    }

    public Optional<Numa> numa() {
        return Optional.ofNullable(LibvirtXml.firstChild(domain, "cpu"))
                .map(cpu -> LibvirtXml.firstChild(cpu, "numa"))
                .map(e -> LibvirtXml.unmarshal(e, Numa.class));
    }

    /**
     * Whether guest RAM is shared the way vhost-user needs it, by libvirt's rule (qemu_validate.c,
     * qemuValidateDomainDefVhostUserRequireSharedMemory): without NUMA cells, {@code <memoryBacking><access
     * mode='shared'/>} is required; with cells, each cell must have {@code memAccess='shared'}, or no memAccess and
     * the domain-wide access shared. A cell with memAccess='private' is never shared.
     *
     * <p>Stricter than libvirt in one case: shared anonymous memory without hugepages ({@code <source
     * type='anonymous'/>}) is refused, because QEMU then has no file descriptor to hand to the backend.
     */
    public boolean hasSharedMemory() {
        Optional<MemoryBacking> mb = memoryBacking();
        boolean globalShared = mb.flatMap(MemoryBacking::accessMode).filter("shared"::equals).isPresent();
        if (mb.isPresent() && isAnonymousWithoutHugepages(mb.get())) {
            return false;
        }
        List<Numa.Cell> cells = numa().map(Numa::cells).orElse(List.of());
        if (cells.isEmpty()) {
            return globalShared;
        }
        for (Numa.Cell c : cells) {
            String access = c.memAccess().orElse(globalShared ? "shared" : "private");
            if (!"shared".equals(access)) {
                return false;
            }
        }
        return true;
    }

    private static boolean isAnonymousWithoutHugepages(MemoryBacking mb) {
        return mb.sourceType().filter("anonymous"::equals).isPresent() && mb.hugepages().isEmpty();
    }

    /**
     * Makes guest RAM shareable with a vhost-user backend, changing as little as possible: sets {@code <access
     * mode='shared'/>} and, when neither hugepages nor a file/memfd source is configured, adds {@code <source
     * type='memfd'/>}. A new {@code <memoryBacking>} goes where libvirt writes it (after memory/currentMemory/
     * blkiotune/memtune).
     *
     * @return true if the domain changed
     * @throws IllegalStateException if a NUMA cell explicitly asks for private memory (we do not override that)
     */
    public boolean ensureSharedMemory() {
        if (hasSharedMemory()) {
            return false;
        }
        for (Numa.Cell c : numa().map(Numa::cells).orElse(List.of())) {
            if (c.memAccess().filter("private"::equals).isPresent()) {
                throw new IllegalStateException("domain '" + name() + "': NUMA cell " + c.id
                        + " has memAccess='private', but vhost-user needs shared guest memory;"
                        + " set memAccess='shared' on that cell or remove the attribute");
            }
        }
        Element existing = LibvirtXml.firstChild(domain, "memoryBacking");
        MemoryBacking mb = existing == null ? new MemoryBacking() : LibvirtXml.unmarshal(existing, MemoryBacking.class);
        if (mb.hugepages().isEmpty() && (mb.sourceType().isEmpty() || isAnonymousWithoutHugepages(mb))) {
            mb.withSourceType("memfd");
        }
        mb.withAccessMode("shared");
        Element fresh = LibvirtXml.marshalInto(mb, "memoryBacking", document, indentOf(domain));
        if (existing != null) {
            domain.replaceChild(fresh, existing);
        } else {
            insertAfter(domain, lastOf(domain, BEFORE_MEMORY_BACKING), fresh);
        }
        return true;
    }

    // ---------------------------------------------------------------- DOM helpers

    private Element devices() {
        Element devices = LibvirtXml.firstChild(domain, "devices");
        if (devices == null) {
            devices = document.createElement("devices");
            insertAfter(domain, lastChildElement(domain), devices);
        }
        return devices;
    }

    private static List<Element> children(Element parent, String localName) {
        List<Element> out = new ArrayList<>();
        for (Node c = parent.getFirstChild(); c != null; c = c.getNextSibling()) {
            if (c instanceof Element e && e.getNamespaceURI() == null && localName.equals(e.getLocalName())) {
                out.add(e);
            }
        }
        return out;
    }

    private static Element lastChildElement(Element parent) {
        Element last = null;
        for (Node c = parent.getFirstChild(); c != null; c = c.getNextSibling()) {
            if (c instanceof Element e) {
                last = e;
            }
        }
        return last;
    }

    private static Element lastOf(Element parent, List<String> names) {
        Element last = null;
        for (Node c = parent.getFirstChild(); c != null; c = c.getNextSibling()) {
            if (c instanceof Element e && e.getNamespaceURI() == null && names.contains(e.getLocalName())) {
                last = e;
            }
        }
        return last;
    }

    /** The whitespace libvirt put before {@code parent}'s children (e.g. "\n    " inside devices). */
    private static String indentOf(Element parent) {
        for (Node c = parent.getFirstChild(); c != null; c = c.getNextSibling()) {
            if (c.getNodeType() == Node.TEXT_NODE && c.getNodeValue().isBlank() && c.getNodeValue().contains("\n")) {
                String ws = c.getNodeValue();
                return ws.substring(ws.lastIndexOf('\n') + 1);
            }
        }
        return "";
    }

    /** Inserts {@code node} after {@code anchor} (or as first child if null), on its own indented line. */
    private void insertAfter(Element parent, Element anchor, Element node) {
        String indent = indentOf(parent);
        Node before = anchor == null ? parent.getFirstChild() : anchor.getNextSibling();
        if (indent.isEmpty() && !hasLineBreaks(parent)) {
            parent.insertBefore(node, before);
            return;
        }
        parent.insertBefore(document.createTextNode("\n" + indent), before);
        parent.insertBefore(node, before);
    }

    private static boolean hasLineBreaks(Element parent) {
        for (Node c = parent.getFirstChild(); c != null; c = c.getNextSibling()) {
            if (c.getNodeType() == Node.TEXT_NODE && c.getNodeValue().contains("\n")) {
                return true;
            }
        }
        return false;
    }

    /** Removes {@code e} together with the line break and indentation before it. */
    private static void remove(Element e) {
        Node prev = e.getPreviousSibling();
        if (prev != null && prev.getNodeType() == Node.TEXT_NODE && prev.getNodeValue().isBlank()) {
            prev.getParentNode().removeChild(prev);
        }
        e.getParentNode().removeChild(e);
    }
}
