package io.virtwire.provisioner.nic;

import io.virtwire.provisioner.libvirt.xml.DomainXml;
import io.virtwire.provisioner.libvirt.xml.GuestInterface;
import io.virtwire.provisioner.libvirt.xml.GuestInterfaces;
import io.virtwire.provisioner.model.MacAddress;
import io.virtwire.provisioner.model.PciAddress;
import io.virtwire.provisioner.model.QueueCount;
import io.virtwire.provisioner.model.UnixSocketPath;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.w3c.dom.Attr;
import org.w3c.dom.Element;
import org.w3c.dom.NamedNodeMap;
import org.w3c.dom.Node;

/**
 * domiflist's rows read straight from the DOM of the {@code <interface>} elements, without the JAXB model.
 *
 * <p>Why: reading a domain's interfaces into the JAXB variants (and marshalling each back to find its target) made
 * every {@code virtwire domiflist} create the JAXB context, 60-100 ms of a call that otherwise takes a few hundred
 * (docs/benchmarks.md). The rows must stay exactly what {@link InterfaceSummary#of} gives for the JAXB variant, errors
 * included, so this reader takes only the plain case and leaves everything else to that path: an element it does not
 * fully understand (a mapped child twice, a number JAXB might read differently, an xsi attribute, a namespaced
 * {@code target}, a value a model class refuses) gives {@link Optional#empty()}, and the caller reads that one
 * interface through JAXB as before. {@code InterfaceRowsTest} compares the two over every interface in the test data.
 */
public final class InterfaceRows {

    /** What JAXB maps on the interface variants ({@code TypedInterface} and its subclasses). */
    private static final Set<String> MAPPED = Set.of("mac", "source", "model", "driver", "alias", "address", "mtu", "vlan", "teaming");
    /** Integer attributes of the mapped elements: JAXB converts them and refuses the call when it cannot. */
    private static final Pattern PLAIN_INT = Pattern.compile("[0-9]{1,9}");
    private static final String XSI = "http://www.w3.org/2001/XMLSchema-instance";

    private InterfaceRows() {
    }

    /** The rows of {@code domain}'s interfaces in document order; JAXB only for an interface the DOM reader declines. */
    public static List<InterfaceSummary> of(DomainXml domain) {
        // in the order of the JAXB path: every declined interface read into its variant first, then the rows, so a
        // domain with two bad interfaces fails on the same one as before
        List<Element> elements = domain.interfaceElementCopies();
        List<Optional<InterfaceSummary>> plain = new ArrayList<>();
        List<GuestInterface> typed = new ArrayList<>();
        for (Element e : elements) {
            Optional<InterfaceSummary> row = read(e);
            plain.add(row);
            typed.add(row.isPresent() ? null : GuestInterfaces.fromElement(e));
        }
        List<InterfaceSummary> rows = new ArrayList<>();
        for (int i = 0; i < elements.size(); i++) {
            rows.add(plain.get(i).isPresent() ? plain.get(i).get() : InterfaceSummary.of(typed.get(i)));
        }
        return rows;
    }

    /** The row of one {@code <interface>}, or empty when it must be read through the JAXB model. */
    static Optional<InterfaceSummary> read(Element iface) {
        try {
            return Optional.ofNullable(plain(iface));
        } catch (RuntimeException e) {
            return Optional.empty();   // the JAXB path gives the error, worded as before
        }
    }

    private static InterfaceSummary plain(Element iface) {
        if (iface.getNamespaceURI() != null || !"interface".equals(iface.getLocalName()) || !simple(iface)) {
            return null;
        }
        String type = iface.getAttribute("type");
        if (!Set.of("hostdev", "vdpa", "vhostuser", "network").contains(type)) {
            return null;   // OtherInterface: no JAXB on that path anyway
        }
        Set<String> seen = new HashSet<>();
        String target = null;
        boolean targetSeen = false;
        for (Node n = iface.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element c) {
                String name = c.getLocalName();
                if ("target".equals(name)) {
                    if (c.getNamespaceURI() != null) {
                        return null;
                    }
                    if (!targetSeen) {
                        targetSeen = true;
                        target = c.getAttribute("dev").isEmpty() ? null : c.getAttribute("dev");
                    }
                } else if (c.getNamespaceURI() == null && MAPPED.contains(name) && !seen.add(name)) {
                    return null;   // JAXB keeps the last of two; not worth mirroring
                }
            }
        }
        Element macEl = child(iface, "mac");
        String mac = macEl == null || !macEl.hasAttribute("address") ? null : MacAddress.parse(macEl.getAttribute("address")).toString();
        Element aliasEl = child(iface, "alias");
        String alias = aliasEl == null ? null : attr(aliasEl, "name");
        Element source = child(iface, "source");
        Element model = child(iface, "model");
        String modelType = model == null ? null : attr(model, "type");
        return switch (type) {
            case "hostdev" -> {
                Element address = source == null ? null : child(source, "address");
                if (address == null || (address.hasAttribute("type") && !"pci".equals(address.getAttribute("type")))) {
                    yield null;
                }
                PciAddress vf = PciAddress.fromLibvirt(attr(address, "domain"), attr(address, "bus"), attr(address, "slot"), attr(address, "function"));
                yield new InterfaceSummary(type, vf.toString(), null, mac, null, null, target, alias);
            }
            case "vdpa" -> new InterfaceSummary(type, source == null ? null : attr(source, "dev"), null, mac, modelType, queues(iface), target, alias);
            case "vhostuser" -> {
                String path = source == null ? null : attr(source, "path");
                String mode = source == null ? null : attr(source, "mode");
                if (path == null || !("client".equals(mode) || "server".equals(mode))) {
                    yield null;
                }
                yield new InterfaceSummary(type, new UnixSocketPath(path).toString(), mode, mac, modelType, queues(iface), target, alias);
            }
            default -> new InterfaceSummary(type, source == null ? null : attr(source, "network"), null, mac, modelType, null, target, alias);
        };
    }

    private static Integer queues(Element iface) {
        Element driver = child(iface, "driver");
        String q = driver == null ? null : attr(driver, "queues");
        return q == null ? null : new QueueCount(Integer.parseInt(q)).value();
    }

    /**
     * No xsi attribute anywhere (JAXB reads xsi:type and xsi:nil), every integer attribute of a mapped element a plain
     * decimal, none of the mapped elements nested in {@code <source>} ({@code address}, {@code reconnect}) twice, and
     * no text but white space.
     */
    private static boolean simple(Element e) {
        NamedNodeMap attrs = e.getAttributes();
        for (int i = 0; i < attrs.getLength(); i++) {
            Attr a = (Attr) attrs.item(i);
            if (XSI.equals(a.getNamespaceURI())) {
                return false;
            }
        }
        String name = e.getNamespaceURI() == null ? e.getLocalName() : null;
        if (name != null) {
            for (String number : integerAttributes(name)) {
                if (e.hasAttribute(number) && !PLAIN_INT.matcher(e.getAttribute(number)).matches()) {
                    return false;
                }
            }
            if ("source".equals(name) && (count(e, "address") > 1 || count(e, "reconnect") > 1)) {
                return false;
            }
        }
        for (Node n = e.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element c && !simple(c)) {
                return false;
            }
            if (n instanceof org.w3c.dom.Text t && !t.getData().isBlank()) {
                return false;   // text where JAXB maps none: not libvirt's output, leave it to JAXB
            }
        }
        return true;
    }

    /** The Integer-typed attributes of DriverXml, MtuXml, ReconnectXml and VlanTagXml. */
    private static List<String> integerAttributes(String element) {
        return switch (element) {
            case "driver" -> List.of("queues", "rx_queue_size", "tx_queue_size");
            case "mtu" -> List.of("size");
            case "reconnect", "tag" -> List.of("timeout", "id");
            default -> List.of();
        };
    }

    private static int count(Element parent, String name) {
        int n = 0;
        for (Node c = parent.getFirstChild(); c != null; c = c.getNextSibling()) {
            if (c instanceof Element e && e.getNamespaceURI() == null && name.equals(e.getLocalName())) {
                n++;
            }
        }
        return n;
    }

    private static Element child(Element parent, String name) {
        for (Node c = parent.getFirstChild(); c != null; c = c.getNextSibling()) {
            if (c instanceof Element e && e.getNamespaceURI() == null && name.equals(e.getLocalName())) {
                return e;
            }
        }
        return null;
    }

    private static String attr(Element e, String name) {
        return e.hasAttribute(name) ? e.getAttribute(name) : null;
    }
}
